"""Problems found in plan data, reported as ``FILE:LINE:COL: path: message``.

Every stage that finds something wrong with the user's input returns
:class:`Diagnostic` objects rather than raising, so one run reports every
problem, not just the first.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Iterable, Sequence


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int | None
    col: int | None
    path: str
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR
    code: str = ""  # short machine-readable kind, e.g. "unknown-ref"

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        label = "" if self.severity is Severity.ERROR else "warning: "
        text = f"{where}: {self.path + ': ' if self.path else ''}{label}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self):
        return (self.file, self.line or 0, self.col or 0, self.path, self.message)


class DocgenError(Exception):
    """A problem the user can fix, carrying the diagnostics that describe it."""

    def __init__(self, diagnostics: Sequence[Diagnostic] | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic("", None, None, "", diagnostics)]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def format_path(loc: Iterable[object]) -> str:
    """('actions', 3, 'text', 'en') -> 'actions[3].text.en'"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def closest(word: str, choices: Iterable[str], n: int = 1) -> list[str]:
    return difflib.get_close_matches(str(word), [str(c) for c in choices], n=n, cutoff=0.5)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = closest(word, choices)
    return f"did you mean '{match[0]}'?" if match else ""


def relative(path: Path | str, root: Path | None = None) -> str:
    """Show paths relative to the working directory when possible."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(p)


def summary_line(diags: Sequence[Diagnostic]) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = len(diags) - errors
    verdict = "valid" if errors == 0 else "INVALID"
    return f"{verdict}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
