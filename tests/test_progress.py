"""What the build says while it runs: a line per file; a status line only on a terminal."""
from __future__ import annotations

import io

from docgen.progress import Progress, interactive


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_a_terminal():
    out, err = io.StringIO(), io.StringIO()
    p = Progress(out=out, err=err)
    assert p.tty is False
    p.plan(2)
    p.started("a.pdf")
    p.done("a.pdf", 1.234)
    p.note("note: something")
    p.done("b.docx", 0.5)
    p.say("built 2 files")
    assert out.getvalue().splitlines() == ["[1/2] a.pdf  1.23 s", "[2/2] b.docx  0.50 s", "built 2 files"]
    assert err.getvalue() == "note: something\n"  # no escape codes in a log


def test_a_status_line_on_a_terminal_is_redrawn_and_cleared(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out, err = io.StringIO(), Tty()
    assert interactive(err)
    p = Progress(out=out, err=err)
    p.plan(4)
    p.started("NAP-WPS_0.1_en.pdf")
    assert "[------------------------] 0/4" in err.getvalue() and "NAP-WPS_0.1_en.pdf" in err.getvalue()
    p.done("NAP-WPS_0.1_en.pdf", 2.0)
    assert "[######------------------] 1/4" in err.getvalue()
    p.close()
    assert err.getvalue().endswith("\r\033[K")  # the status line does not stay behind
    assert out.getvalue() == "[1/4] NAP-WPS_0.1_en.pdf  2.00 s\n"


def test_under_ci_a_terminal_gets_plain_lines(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not interactive(Tty())


def test_quiet_prints_nothing():
    out, err = io.StringIO(), io.StringIO()
    p = Progress(verbosity=0, out=out, err=err)
    p.plan(1)
    p.done("a.pdf", 1.0)
    p.note("note")
    p.say("built")
    assert out.getvalue() == err.getvalue() == ""
