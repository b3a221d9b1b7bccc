"""Stage 1: read YAML files safely, keeping the line and column of every value.

PyYAML alone silently keeps the last of two duplicate keys, expands alias
bombs without limit and gives terse messages for tabs and bad encodings. Here
we compose the node graph ourselves so that every value remembers where it
came from and every such problem becomes a :class:`Diagnostic`.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..diagnostics import Diagnostic, DocgenError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # far above any real plan; stops alias ("billion laughs") bombs

Loc = tuple  # ('actions', 3, 'text', 'en')
# libyaml's composer is ~10x faster than PyYAML's pure-Python one and keeps the same marks.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LoadedFile:
    """A parsed YAML file and where each of its values and keys stand."""

    path: Path
    display: str  # how the file is named in messages, e.g. plan_data/actions.yaml
    data: Any
    value_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int | None, int | None]:
        """1-based (line, col) of the value at ``loc``, or of its nearest known parent."""
        loc = tuple(loc)
        if key and loc in self.key_marks:
            return self.key_marks[loc]
        while True:
            if loc in self.value_marks:
                return self.value_marks[loc]
            if loc in self.key_marks:
                return self.key_marks[loc]
            if not loc:
                return (None, None)
            loc = loc[:-1]

    def diag(self, loc: Loc, message: str, *, hint: str = "", key: bool = False, **kw) -> Diagnostic:
        from ..diagnostics import format_path

        line, col = self.where(loc, key=key)
        return Diagnostic(self.display, line, col, format_path(loc), message, hint=hint, **kw)


def _error(display: str, message: str, line: int | None = None, col: int | None = None, hint: str = "") -> DocgenError:
    return DocgenError([Diagnostic(display, line, col, "", message, hint=hint)])


def _decode(raw: bytes, display: str) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _error(display, "file is encoded as UTF-16/UTF-32, not UTF-8", 1, 1,
                     hint="save the file as UTF-8 (in most editors: Save As > Encoding > UTF-8)")
    if b"\x00" in raw[:4096]:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise _error(display, "file contains NUL bytes: it is binary or UTF-16 without a byte-order mark", line,
                     hint="plan data must be UTF-8 text; check that the right file is in plan_data/")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        guess = raw[exc.start: exc.start + 1].decode("latin-1")
        raise _error(display, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}, perhaps '{guess}' in Latin-1/Windows-1252)",
                     line, col, hint="re-save the file as UTF-8") from None


def _check_tabs(text: str, display: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            raise _error(display, "tab character in indentation; YAML indentation must use spaces", number,
                         indent.index("\t") + 1, hint="replace the tab with spaces (two per level is the convention here)")


class _Builder:
    """Turns a composed node graph into plain Python data, recording marks."""

    def __init__(self, display: str):
        self.display = display
        self.constructor = yaml.SafeLoader("")  # only for resolving scalar types
        self.value_marks: dict[Loc, tuple[int, int]] = {}
        self.key_marks: dict[Loc, tuple[int, int]] = {}
        self.count = 0
        self.duplicates: list[Diagnostic] = []

    @staticmethod
    def _mark(node: Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, loc: Loc = ()) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            line, col = self._mark(node)
            raise _error(self.display, f"document expands to more than {MAX_NODES:,} values (YAML aliases nested too deep?)",
                         line, col, hint="remove '&anchor'/'*alias' nesting; plan data never needs it")
        self.value_marks[loc] = self._mark(node)
        if isinstance(node, ScalarNode):
            return self.constructor.construct_object(node, deep=True)
        if isinstance(node, SequenceNode):
            return [self.build(child, loc + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self.constructor.flatten_mapping(node)  # resolves '<<' merge keys
            out: dict[Any, Any] = {}
            first_seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, loc + ("<key>",))
                if isinstance(key, (list, dict)):
                    line, col = self._mark(key_node)
                    raise _error(self.display, "a mapping key must be a plain value, not a list or mapping", line, col)
                kmark = self._mark(key_node)
                if key in first_seen:
                    from ..diagnostics import format_path

                    fl, _ = first_seen[key]
                    self.duplicates.append(Diagnostic(
                        self.display, kmark[0], kmark[1], format_path(loc + (key,)),
                        f"duplicate key '{key}' (first defined at line {fl})",
                        hint="YAML keeps only the last one: merge the two entries or rename one",
                        code="duplicate-key"))
                    continue
                first_seen[key] = kmark
                self.key_marks[loc + (key,)] = kmark
                out[key] = self.build(value_node, loc + (key,))
            self.value_marks.pop(loc + ("<key>",), None)
            return out
        raise _error(self.display, f"unsupported YAML node {type(node).__name__}", *self._mark(node))


def parse_text(text: str, display: str, path: Path | None = None) -> LoadedFile:
    """Parse YAML text; raises DocgenError with every problem found."""
    _check_tabs(text, display)
    if not text.strip() or all(l.strip().startswith("#") or not l.strip() for l in text.splitlines()):
        raise _error(display, "file is empty", 1, 1, hint="add the data this file should hold, or delete the file")
    try:
        nodes = list(yaml.compose_all(text, Loader=_COMPOSER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = "check indentation, colons and quotes on this line and the one before"
        if "found character '\\t'" in str(exc):
            hint = "replace the tab with spaces"
        raise _error(display, f"YAML syntax error: {problem}{context}", line, col, hint=hint) from None
    except yaml.YAMLError as exc:
        raise _error(display, f"YAML error: {exc}") from None
    if len(nodes) > 1:
        raise _error(display, "file holds several YAML documents ('---'); put one document per file",
                     nodes[1].start_mark.line + 1, 1)
    builder = _Builder(display)
    try:
        data = builder.build(nodes[0])
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise _error(display, f"YAML error: {exc.problem}", mark.line + 1 if mark else None,
                     mark.column + 1 if mark else None) from None
    except RecursionError:
        raise _error(display, "document is nested too deeply (recursive alias?)") from None
    if builder.duplicates:
        raise DocgenError(builder.duplicates)
    return LoadedFile(path or Path(display), display, data, builder.value_marks, builder.key_marks)


def load_file(path: Path, display: str | None = None) -> LoadedFile:
    display = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _error(display, f"cannot read file: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise _error(display, f"file is {size / 1048576:.1f} MiB, over the {MAX_FILE_BYTES // 1048576} MiB limit for a plan data file",
                     hint="split the data over several files, or check that this is the right file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(display, f"cannot read file: {exc.strerror}") from None
    return parse_text(_decode(raw, display), display, path)
