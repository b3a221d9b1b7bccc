"""Edit plan data YAML the way a person would: only the values that change.

The secretariat's files carry comments, a chosen key order, flow mappings for
short texts and folded scalars for long ones. ruamel.yaml's round-trip mode
keeps all of that; on load we find the indentation that reproduces the file
byte for byte, and on save we check that the file still reads back to exactly
the data we meant to write before it replaces the old one (atomically).
"""
from __future__ import annotations

import difflib
import io
import re
from pathlib import Path
from typing import Any, Iterable, Optional

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString,
                                      LiteralScalarString, SingleQuotedScalarString)

from ..diagnostics import Diagnostic, DocgenError, relative
from ..fsutil import atomic_write_bytes

# (mapping, sequence, offset) indentations tried in turn; the first that
# reproduces the file is used to write it back.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 2, 2), (4, 4, 0))
FOLD_WIDTH = 96  # long texts are folded at a space near this column, as the bundled data are


def _yaml(indent: tuple[int, int, int]) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a line the author wrote
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


class RoundTripFile:
    """One YAML file loaded for editing. ``changed`` is True once a value was set."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.display = relative(self.path)
        try:
            self.source = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocgenError([Diagnostic(self.display, None, None, "", f"cannot read the file: {exc}")]) from None
        self.indent = _INDENTS[0]
        self.exact = False
        self.data: Any = None
        self._base = ""  # the unchanged data as ruamel writes it
        for indent in _INDENTS:
            y = _yaml(indent)
            try:
                data = y.load(self.source)
            except YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise DocgenError([Diagnostic(self.display, mark.line + 1 if mark else None,
                                              mark.column + 1 if mark else None, "",
                                              f"cannot parse the YAML: {getattr(exc, 'problem', exc)}",
                                              hint="run 'docgen validate' and fix the file first")]) from None
            dumped = _dump(y, data)
            if self.data is None:
                self.data, self._base = data, dumped
            if dumped == self.source:
                self.data, self.indent, self.exact, self._base = data, indent, True, dumped
                break
        self.changed = False

    # --- navigation -------------------------------------------------------------

    def at(self, loc: Iterable) -> Any:
        node = self.data
        for part in loc:
            node = node[part]
        return node

    def find(self, loc: Iterable) -> Optional[Any]:
        try:
            return self.at(loc)
        except (KeyError, IndexError, TypeError):
            return None

    # --- edits --------------------------------------------------------------------

    def set(self, mapping: CommentedMap, key: str, value: Any, *, after: Optional[str] = None) -> None:
        """Set ``mapping[key]``, keeping the old value's scalar style; a new key goes
        right after ``after`` (or at the end), taking over the comment that followed it."""
        if key in mapping:
            new = styled(mapping[key], value, flow=_is_flow(mapping))
            if _plain(mapping[key]) != _plain(new) or type(mapping[key]) is not type(new):
                mapping[key] = new
                self.changed = True
            return
        new = styled(None, value, flow=_is_flow(mapping))
        keys = list(mapping)
        pos = keys.index(after) + 1 if after in mapping else len(keys)
        mapping.insert(pos, key, new)
        if pos > 0:
            _move_trailing_comment(mapping, keys[pos - 1], key)
        self.changed = True

    def rename(self, mapping: CommentedMap, old: str, new: str, value: Any) -> None:
        """Replace key ``old`` by ``new: value`` on the same line, comments kept."""
        keys = list(mapping)
        pos = keys.index(old)
        slot = mapping.ca.items.pop(old, None)
        del mapping[old]
        mapping.insert(pos, new, styled(None, value, flow=_is_flow(mapping)))
        if slot is not None:
            mapping.ca.items[new] = slot
        self.changed = True

    def delete(self, mapping: CommentedMap, key: str) -> None:
        """Remove a key; the blank lines and comments that followed it stay in place."""
        if key not in mapping:
            return
        keys = list(mapping)
        pos = keys.index(key)
        slot = mapping.ca.items.pop(key, None)
        del mapping[key]
        token = slot[2] if slot and len(slot) > 2 else None
        if token is not None and pos > 0:
            text = token.value
            if text.startswith("#"):  # the deleted line's own comment goes with it
                text = text.partition("\n")[2]
            if text:
                prev = keys[pos - 1]
                prev_slot = mapping.ca.items.setdefault(prev, [None, None, None, None])
                if prev_slot[2] is None:
                    prev_slot[2] = type(token)(text, token.start_mark, None)
                else:
                    prev_slot[2].value += text
        self.changed = True

    # --- writing --------------------------------------------------------------------

    def dumps(self) -> str:
        text = _dump(_yaml(self.indent), self.data)
        return text if self.exact else self._splice(text)

    def _splice(self, text: str) -> str:
        """For a file ruamel does not reproduce exactly (aligned values, odd spacing): take
        from ruamel only the lines that changed, the others from the file as it is."""
        src = self.source.splitlines(keepends=True)
        base = self._base.splitlines(keepends=True)
        if len(src) != len(base):
            return text  # line structure differs: the whole file is re-written (rare)
        new = text.splitlines(keepends=True)
        out: list[str] = []
        matcher = difflib.SequenceMatcher(a=base, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                out += src[i1:i2]
                continue
            for k, line in enumerate(new[j1:j2]):
                out.append(_realign(line, src[i1 + k]) if i1 + k < i2 else line)
        return "".join(out)

    def save(self, expected: Any = None) -> bool:
        """Write the file if it changed. ``expected`` (plain data) is checked against
        what the written text reads back as; nothing is written on a mismatch."""
        if not self.changed:
            return False
        text = self.dumps()
        if expected is not None:
            import yaml as pyyaml
            back = pyyaml.safe_load(text)
            if back != expected:
                raise DocgenError([Diagnostic(self.display, None, None, "",
                                              "internal check failed: the edited file would not read back as intended; "
                                              "nothing was written", hint="report this as a docgen bug")])
        atomic_write_bytes(self.path, text.encode("utf-8"))
        self.source = text
        self.changed = False
        return True

    def plain(self) -> Any:
        """The data as plain Python values (what PyYAML reads from the file)."""
        import yaml as pyyaml
        return pyyaml.safe_load(self.dumps())


_KEY_GAP = re.compile(r"^(\s*[^\s:#][^:#]*:)( +)(?=\S)")


def _realign(line: str, old: str) -> str:
    """Keep the original spacing after a key ('lead:      {...}') on a rewritten line."""
    m_new, m_old = _KEY_GAP.match(line), _KEY_GAP.match(old)
    if m_new and m_old and m_new.group(1) == m_old.group(1):
        return m_old.group(0) + line[m_new.end():]
    return line


def _dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def _is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa and fa.flow_style())


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, str) else value


def _foldable(text: str, i: int) -> bool:
    # single spaces between two non-spaces only, so folding does not change the text
    return text[i] == " " and 0 < i < len(text) - 1 and text[i - 1] != " " and text[i + 1] != " "


def fold_positions(text: str, width: int = FOLD_WIDTH, start: int = 0, end: Optional[int] = None) -> list[int]:
    """Indices of the spaces where a folded scalar breaks its lines, between
    ``start`` (a line start) and ``end``."""
    end = len(text) if end is None else end
    positions, line_start, last_space = [], start, None
    for i in range(start, end):
        if _foldable(text, i):
            last_space = i
        if i - line_start >= width and last_space is not None and last_space > line_start:
            positions.append(last_space)
            line_start, last_space = last_space + 1, None
    return positions


def refold(old: Any, new: str) -> list[int]:
    """Fold positions for ``new`` that keep the lines ``old`` had where the text is the
    same (before and after the edit), so a diff shows only the lines that changed."""
    old_pos = list(getattr(old, "fold_pos", None) or [])
    if not old_pos:
        return fold_positions(new)
    old = str(old)
    seg = [b - a for a, b in zip([-1] + old_pos, old_pos + [len(old)])]
    width = max(FOLD_WIDTH // 2, min(FOLD_WIDTH * 2, max(seg)))
    prefix = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    suffix = next((i for i, (a, b) in enumerate(zip(reversed(old), reversed(new))) if a != b),
                  min(len(old), len(new)))
    suffix = min(suffix, len(new) - prefix, len(old) - prefix)
    head = [p for p in old_pos if p < prefix - 1]
    shift = len(new) - len(old)
    tail = [p + shift for p in old_pos if p > len(old) - suffix]
    start = head[-1] + 1 if head else 0
    stop = tail[0] if tail else len(new)
    middle = fold_positions(new, width, start, stop)
    return [p for p in head + middle + tail if _foldable(new, p)]


def styled(old: Any, value: Any, *, flow: bool = False) -> Any:
    """``value`` in the scalar style of ``old`` (folded, literal, quoted or plain);
    a new long text in a block mapping is folded like the bundled data."""
    if not isinstance(value, str):
        return value
    if "\n" in value:
        return DoubleQuotedScalarString(value) if flow else LiteralScalarString(value)
    foldable = not flow and value == value.strip() and len(value) > FOLD_WIDTH
    if foldable and (old is None or isinstance(old, FoldedScalarString) or type(old) is str):
        s = FoldedScalarString(value)
        s.fold_pos = refold(old, value) if isinstance(old, FoldedScalarString) else fold_positions(value)
        return s
    if isinstance(old, (FoldedScalarString, LiteralScalarString)):
        return LiteralScalarString(value) if not flow and value == value.strip() else DoubleQuotedScalarString(value)
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(value)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(value)
    return value


def _trailing_slot(node: Any, key: Any) -> tuple[Optional[list], int]:
    """The comment slot holding what follows ``node[key]`` (blank lines, full-line
    comments): on the key itself, or on the last entry of the block it opens."""
    value = node[key]
    if isinstance(value, CommentedMap) and len(value) and not _is_flow(value):
        return _trailing_slot(value, list(value)[-1])
    if isinstance(value, CommentedSeq) and len(value) and not _is_flow(value):
        last = len(value) - 1
        if isinstance(value[last], (CommentedMap, CommentedSeq)) and not _is_flow(value[last]):
            return _trailing_slot(value, last)
        return value.ca.items.get(last), 0
    return node.ca.items.get(key), 2 if isinstance(node, CommentedMap) else 0


def _move_trailing_comment(mapping: CommentedMap, prev: str, key: str) -> None:
    """Blank lines and full-line comments after ``prev`` move below the new ``key``;
    an end-of-line comment stays on ``prev``'s line."""
    slot, i = _trailing_slot(mapping, prev)
    token = slot[i] if slot and len(slot) > i else None
    if token is None:
        return
    text = token.value
    if text.startswith("#") or (text.lstrip(" ").startswith("#") and not text.startswith("\n")):
        eol, sep, rest = text.partition("\n")
        if not rest:
            return
        token.value = eol + sep
        moved = type(token)(sep + rest, token.start_mark, None)
    else:
        slot[i] = None
        moved = token
    _attach_trailing(mapping, key, moved)


def _attach_trailing(node: Any, key: Any, token) -> None:
    """Put ``token`` after everything ``node[key]`` holds (its block's last entry)."""
    value = node[key]
    if isinstance(value, CommentedMap) and len(value) and not _is_flow(value):
        return _attach_trailing(value, list(value)[-1], token)
    if isinstance(value, CommentedSeq) and len(value) and not _is_flow(value):
        last = len(value) - 1
        if isinstance(value[last], (CommentedMap, CommentedSeq)) and not _is_flow(value[last]):
            return _attach_trailing(value, last, token)
        value.ca.items.setdefault(last, [None, None, None, None])[0] = token
        return
    if isinstance(node, CommentedMap):
        node.ca.items.setdefault(key, [None, None, None, None])[2] = token
    else:
        node.ca.items.setdefault(key, [None, None, None, None])[0] = token


def to_plain(node: Any) -> Any:
    """A ruamel node tree as plain dicts/lists/strings (for comparisons)."""
    if isinstance(node, CommentedMap) or isinstance(node, dict):
        return {to_plain(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, (CommentedSeq, list)):
        return [to_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node
