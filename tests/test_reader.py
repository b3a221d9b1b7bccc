"""The fast CommonMark reader gives the AST pandoc's Markdown reader would, tables included."""
import json
import subprocess
from pathlib import Path

import pytest

from docgen import build
from docgen.pandoc import pandoc_path
from docgen.markdown.notes import cites_to_notes
from docgen.markdown.reader import markdown_to_json, pipe_table_widths

ROOT = Path(__file__).resolve().parent.parent


def markdown_ast(markdown: str) -> dict:
    """pandoc's Markdown reader, then the reading stage's own step (citations become footnotes)."""
    out = subprocess.run([pandoc_path(), "-f", "markdown-auto_identifiers", "-t", "json"],
                         input=markdown.encode(), capture_output=True, check=True).stdout
    return cites_to_notes(json.loads(out))


@pytest.mark.parametrize("doc", ["nap", "tor", "consultations"])
def test_same_ast_as_pandoc_markdown_on_the_bundled_documents(plan, tmp_path, doc):
    jobs = list(build.plan_jobs(plan, [doc], ["km", "en-km"], ["docx"], tmp_path))
    assert jobs
    for job in jobs[:4]:
        assert json.loads(markdown_to_json(job.markdown)) == markdown_ast(job.markdown), job.name


def test_pipe_table_widths_follow_the_dashes():
    long = "x" * 80
    md = f"| a | b |\n|:--|:------|\n| {long} | y |\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert pipe_table_widths(md) == [[3 / 10, 7 / 10], None]
    ast = json.loads(markdown_to_json(md))
    assert ast == markdown_ast(md)


def test_separator_cells_are_measured_without_their_spaces():
    md = f"| a | b |\n| --- | :---: |\n| {'x' * 80} | y |\n"
    assert pipe_table_widths(md) == [[3 / 8, 5 / 8]]
    assert json.loads(markdown_to_json(md)) == markdown_ast(md)
