"""The package list, which pyproject.toml cannot express: docgen's own packages (data-only
folders such as docgen/markdown/filters included), plus the repository's top-level
``templates/`` folder installed as ``docgen/templates`` (``docgen.markdown.render`` looks
in both places). Everything else is in pyproject.toml."""
from setuptools import find_namespace_packages, setup

setup(packages=find_namespace_packages(include=["docgen", "docgen.*"], exclude=["*.__pycache__"])
      + ["docgen.templates"],
      package_dir={"docgen.templates": "templates"})
