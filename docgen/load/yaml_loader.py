"""Stage 1: read YAML files safely, keeping the line and column of every value.

PyYAML alone silently keeps the last of two duplicate keys, expands alias
bombs without limit and gives terse messages for tabs and bad encodings. Here
we compose the node graph ourselves so that every value remembers where it
came from and every such problem becomes a :class:`Diagnostic`.

Values YAML would turn into something the author did not mean are reported at
their line, never passed on and never a crash: impossible dates (2026-02-30),
numbers too long to be numbers, YAML 1.1's base-60 numbers (``19:13`` is 1153),
explicit tags (``!!binary`` decodes base64, ``!!set``, ``!foo``) and blank texts.
Such a value stays in the data as the text it was written as, and its location is
marked bad so that later stages do not report the same mistake again. Merge keys
(``<<: *defaults``) are supported: the mapping's own keys win over merged ones.
"""
from __future__ import annotations

import codecs
import re
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
    problems: list[Diagnostic] = field(default_factory=list)  # bad values, already reported
    bad: set[Loc] = field(default_factory=set)  # where they are

    def is_bad(self, loc: Loc) -> bool:
        """Is the value at ``loc`` (or the one it is inside) a bad value already reported?"""
        loc = tuple(loc)
        return any(loc[:k] in self.bad for k in range(len(loc) + 1))

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


def _tab_error(text: str, display: str, near_line: int | None) -> DocgenError | None:
    """A syntax error caused by a tab in indentation, said so (tabs inside text are fine)."""
    lines = text.splitlines()
    candidates = [near_line] if near_line else []
    candidates += [near_line - 1] if near_line and near_line > 1 else []
    for number in candidates:
        if 1 <= number <= len(lines):
            line = lines[number - 1]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                return _error(display, "tab character in indentation; YAML indentation must use spaces", number,
                              indent.index("\t") + 1,
                              hint="replace the tab with spaces (two per level is the convention here)")
    return None


_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_MAP, _SEQ, _MERGE = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge"
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_SHORT_TAG = {"tag:yaml.org,2002:": "!!"}


def _short(tag: str) -> str:
    for long, short in _SHORT_TAG.items():
        if tag.startswith(long):
            return short + tag[len(long):]
    return tag


class _Builder:
    """Turns a composed node graph into plain Python data, recording marks and bad values."""

    def __init__(self, display: str):
        self.display = display
        self.constructor = yaml.SafeLoader("")  # only for resolving scalar types
        self.value_marks: dict[Loc, tuple[int, int]] = {}
        self.key_marks: dict[Loc, tuple[int, int]] = {}
        self.count = 0
        self.duplicates: list[Diagnostic] = []
        self.problems: list[Diagnostic] = []
        self.bad: set[Loc] = set()
        self.path: set[int] = set()  # nodes being built: an alias back to one of them is a loop

    @staticmethod
    def _mark(node: Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, node: Node, loc: Loc, message: str, hint: str, code: str) -> None:
        from ..diagnostics import format_path

        line, col = self._mark(node)
        self.problems.append(Diagnostic(self.display, line, col, format_path(loc), message, hint=hint, code=code))
        self.bad.add(loc)

    def _implicit_tag(self, node: Node) -> str:
        if isinstance(node, ScalarNode):
            if node.style:  # quoted or block scalar (plain is None, or "" from libyaml)
                return _STR
            return self.constructor.resolve(ScalarNode, node.value, (True, False))
        return _MAP if isinstance(node, MappingNode) else _SEQ

    def _scalar(self, node: ScalarNode, loc: Loc) -> Any:
        implicit = self._implicit_tag(node)
        if node.tag != implicit and node.tag != _STR:
            self._problem(node, loc, f"YAML tag '{_short(node.tag)}' is not allowed in plan data",
                          f"remove '{_short(node.tag)}' and write the value as plain text"
                          + (" (a '!!binary' value is base64 that YAML would decode)" if node.tag.endswith(":binary") else ""),
                          "yaml-tag")
            return node.value
        if node.tag in (_INT, _FLOAT) and not node.style and _SEXAGESIMAL.match(node.value):
            value = self.constructor.construct_object(node, deep=True)
            self._problem(node, loc, f"'{node.value}' is read as the base-60 number {value} (an old YAML 1.1 rule)",
                          f"put it in quotes to keep it as text: '{node.value}'; a line range is written '19-23'",
                          "yaml-sexagesimal")
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            if node.tag == "tag:yaml.org,2002:timestamp":
                self._problem(node, loc, f"'{node.value}' is not a real date ({exc})",
                              "write the date as YYYY-MM-DD with a month from 01 to 12 and a day that month has",
                              "bad-date")
            elif node.tag in (_INT, _FLOAT):
                self._problem(node, loc, f"a number of {len(node.value)} characters is too long to be read",
                              "check the value; put it in quotes if it is text", "bad-number")
            else:
                self._problem(node, loc, f"'{node.value[:40]}' cannot be read ({exc})",
                              "put the value in quotes to keep it as text", "bad-value")
            return node.value
        if isinstance(value, str) and value and not value.strip():
            self._problem(node, loc, "blank text (only spaces)", "write the text, or remove the key", "blank-text")
        return value

    def build(self, node: Node, loc: Loc = ()) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            line, col = self._mark(node)
            raise _error(self.display, f"document expands to more than {MAX_NODES:,} values (YAML aliases nested too deep?)",
                         line, col, hint="remove '&anchor'/'*alias' nesting; plan data never needs it")
        self.value_marks[loc] = self._mark(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, loc)
        if node.tag != self._implicit_tag(node):
            self._problem(node, loc, f"YAML tag '{_short(node.tag)}' is not allowed in plan data",
                          f"remove '{_short(node.tag)}': plan data uses plain lists and mappings", "yaml-tag")
        if id(node) in self.path:
            line, col = self._mark(node)
            raise _error(self.display, "an alias ('*name') refers to the list or mapping it is inside: "
                         "the value would be endless", line, col, hint="remove the '&name'/'*name' loop")
        self.path.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(child, loc + (i,)) for i, child in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self._mapping(node, loc)
        finally:
            self.path.discard(id(node))
        raise _error(self.display, f"unsupported YAML node {type(node).__name__}", *self._mark(node))

    def _mapping(self, node: MappingNode, loc: Loc) -> dict:
        from ..diagnostics import format_path

        out: dict[Any, Any] = {}
        first_seen: dict[Any, tuple[int, int]] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self.build(key_node, loc + ("<key>",))
            if isinstance(key, (list, dict)):
                line, col = self._mark(key_node)
                raise _error(self.display, "a mapping key must be a plain value, not a list or mapping", line, col)
            kmark = self._mark(key_node)
            if key in first_seen:
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
        # '<<: *defaults' (or a list of them): keys not set here come from the merged mappings,
        # the first one listed winning; their marks point where they are written.
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for src in sources:
                if not isinstance(src, MappingNode):
                    self._problem(merge, loc + ("<<",), "a merge key '<<' must be followed by a mapping "
                                  "(usually an alias such as *defaults)",
                                  "write '<<: *name' where '&name' marks a mapping, or remove the '<<' line",
                                  "yaml-merge")
                    continue
                for key_node, value_node in src.value:
                    if key_node.tag == _MERGE:
                        continue  # nested merges: one level is all plan data needs
                    key = self.constructor.construct_object(key_node, deep=True) \
                        if isinstance(key_node, ScalarNode) else None
                    if key is None or isinstance(key, (list, dict)) or key in out:
                        continue
                    self.key_marks[loc + (key,)] = self._mark(key_node)
                    out[key] = self.build(value_node, loc + (key,))
        return out


def parse_text(text: str, display: str, path: Path | None = None, *, strict: bool = True) -> LoadedFile:
    """Parse YAML text; raises DocgenError when it cannot be read at all. Bad values are in
    ``problems`` of the result (``strict``: raised too, with every other problem of the file)."""
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
        tab = _tab_error(text, display, line) if "\t" in text else None
        if tab is not None:
            raise tab from None
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
        raise DocgenError(builder.duplicates + builder.problems)
    loaded = LoadedFile(path or Path(display), display, data, builder.value_marks, builder.key_marks,
                        builder.problems, builder.bad)
    if strict and loaded.problems:
        raise DocgenError(loaded.problems)
    return loaded


def load_file(path: Path, display: str | None = None, *, strict: bool = True) -> LoadedFile:
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
    return parse_text(_decode(raw, display), display, path, strict=strict)
