"""A PDF backend that fails, for the tests of conversions in worker processes (imported
there by name, like the real backends)."""
import os

from docgen.diagnostics import DocgenError


def write_pdf(markdown, out_path, meta, resource_dir=None):
    if meta.lang == "km":
        1 / 0  # a backend bug
    raise DocgenError(f"the PDF could not be written (in a worker; "
                      f"DOCGEN_TEST_MARK={os.environ.get('DOCGEN_TEST_MARK', '')})")
