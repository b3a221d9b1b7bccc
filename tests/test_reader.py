"""The fast CommonMark reader gives the AST pandoc's Markdown reader would, tables included."""
import json
import subprocess
from pathlib import Path

import pytest

from docgen import documents
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
    jobs = list(documents.plan_jobs(plan, [doc], ["km", "en-km"], ["docx"], tmp_path))
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


def test_citations_in_a_table_are_lettered_table_notes_listed_under_it():
    md = ("| a | b |\n|---|---|\n| 27 % [Report, §1]{.cite} | x [Report, §2]{.cite} |\n"
          "| 30 % [Report, §1]{.cite} | y |\n\nAfter [Report, §3]{.cite}\n")
    ast = json.loads(markdown_to_json(md))
    table, listing, after = ast["blocks"]
    assert table["t"] == "Table" and '"Note"' not in json.dumps(table)
    marks = [n["c"][0]["c"] for n in _nodes(table) if n.get("t") == "Superscript"]
    assert marks == ["a", "b", "a"]  # the same source, the same letter
    [span] = listing["c"]
    assert span["t"] == "Span" and span["c"][0][1] == ["source"]
    text = "".join(n["c"] if n["t"] == "Str" else " " for n in _nodes(span["c"][1]) if n["t"] in ("Str", "Space"))
    assert text == "a Report, §1; b Report, §2"
    assert [n["t"] for n in after["c"]][-1] == "Note"  # outside tables: a footnote


def _nodes(node):
    if isinstance(node, dict):
        if "t" in node:
            yield node
        for v in node.values():
            yield from _nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _nodes(v)
