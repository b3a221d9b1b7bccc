"""The ``docgen`` command line.

Exit status: 0 success, 1 invalid input or failed build, 2 usage error.
Problems in the user's input are printed as diagnostics, never as tracebacks
(set DOCGEN_DEBUG=1 to see one for an internal error).
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from pathlib import Path

from .diagnostics import DocgenError

DEFAULT_DATA = Path("plan_data")
DEFAULT_OUT = Path("build")
DOCS = ("nap", "tor", "consultations")
LANGS = ("en", "km", "en-km")
FORMATS = ("docx", "pdf")


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR",
                   help="plan data folder (default: plan_data)")


def _csv(choices):
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"expected one or more of {', '.join(choices)} (comma-separated), got {text!r}")
        return items
    return parse


def version_text() -> str:
    """docgen's version and the versions of the converters it runs (they change the output)."""
    from . import __version__
    from .toolchain import pandoc_version, typst_version

    return f"docgen {__version__} (pandoc {pandoc_version()}, typst {typst_version()})"


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit()


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docgen",
        description="Drafts Cambodia's National Action Plan on Women, Peace and Security (NAP-WPS), its "
                    "coordination ToR and consultation summaries from plan_data/, in English and Khmer, "
                    "as DOCX and PDF.",
        epilog="Exit status: 0 success, 1 invalid input or failed build, 2 usage error.")
    parser.add_argument("--version", action=_VersionAction,
                        help="print the versions of docgen, pandoc and typst, and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check plan data and report every problem")
    _add_data(p)
    p.add_argument("--strict", action="store_true", help="treat warnings (draft Khmer included) as errors")
    p.set_defaults(func="docgen.validate.cli:run")

    p = sub.add_parser("export", help="print the validated plan for other tools")
    p.add_argument("format", choices=["json"])
    _add_data(p)
    p.set_defaults(func="docgen.export:run")

    p = sub.add_parser("status", help="what remains to be decided before adoption, by kind and document")
    _add_data(p)
    p.set_defaults(func="docgen.status:run")

    p = sub.add_parser("build", help="build documents into build/<version>/")
    _add_data(p)
    p.add_argument("--doc", type=_csv(DOCS), default=list(DOCS), help="nap,tor,consultations (default: all)")
    p.add_argument("--lang", type=_csv(LANGS), default=list(LANGS), help="en,km,en-km (default: all)")
    p.add_argument("--format", type=_csv(FORMATS), default=list(FORMATS), help="docx,pdf (default: both)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output root (default: build)")
    p.add_argument("--carry-comments", action="store_true",
                   help="put open feedback items back into the DOCX as Word comments on their actions")
    p.add_argument("--force", action="store_true",
                   help="rebuild every file, even those whose inputs did not change")
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    talk.add_argument("-v", "--verbose", action="store_true", help="also list the files that were up to date")
    p.add_argument("--lock-tracking", action="store_true",
                   help="DOCX: enforce Track Changes (Word's 'restrict editing to tracked changes'; it is always on)")
    p.set_defaults(func="docgen.build:run")

    p = sub.add_parser("harvest", help="collect reviewers' comments and tracked changes from DOCX files")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--round", required=True, metavar="NAME", help="consultation/review round, e.g. round1")
    _add_data(p)
    p.add_argument("--build", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="where the versions sent are (default: build), to find edits made without Track Changes")
    p.set_defaults(func="docgen.review.harvest:run")

    p = sub.add_parser("release", help="freeze the current version: snapshot its plan data")
    _add_data(p)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR")
    p.add_argument("--force", action="store_true",
                   help="re-freeze a released version whose data changed (the old snapshot is kept aside)")
    p.set_defaults(func="docgen.versions.cli:release")

    p = sub.add_parser("diff", help="change log between two versions, by stable ID")
    p.add_argument("old", metavar="OLD", help="a released version, or a plan data folder")
    p.add_argument("new", metavar="NEW", help="a released version, or a plan data folder")
    _add_data(p)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR")
    p.set_defaults(func="docgen.versions.cli:diff")

    p = sub.add_parser("redline", help="DOCX with native tracked changes from OLD to NEW")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument("--lang", choices=["en", "km"], default="en")
    _add_data(p)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR")
    p.set_defaults(func="docgen.versions.cli:redline")

    from .translate.cli import add_parser as add_translate
    add_translate(sub, _add_data)
    from .sheets.cli import add_parser as add_sheets
    add_sheets(sub, _add_data)
    return parser


def print_diagnostics(diags, stream=None) -> None:
    stream = stream or sys.stderr
    for d in sorted(diags, key=lambda d: d.sort_key()):
        print(d.format(), file=stream)


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._subparsers._group_actions:  # argparse keeps the sub-command table there
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _unknown_command(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """A usage message for a mistyped sub-command, with the closest ones, or None."""
    word = next((a for a in argv if not a.startswith("-")), None)
    commands = _commands(parser)
    if word is None or word in commands or word != argv[0]:
        return None
    close = difflib.get_close_matches(word, commands, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"commands: {', '.join(commands)}"
    return f"unknown command {word!r}; {hint}"


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    unknown = _unknown_command(parser, argv)
    if unknown:
        parser.print_usage(sys.stderr)
        print(f"docgen: error: {unknown}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    module_name, func_name = args.func.split(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(args) or 0)
    except DocgenError as exc:
        print_diagnostics(exc.diagnostics)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal bug, not bad input
        if os.environ.get("DOCGEN_DEBUG"):
            raise
        print(f"docgen: internal error: {type(exc).__name__}: {exc}\n"
              f"    hint: this is a bug in docgen; rerun with DOCGEN_DEBUG=1 for details and report it",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
