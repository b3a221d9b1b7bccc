"""Word-level differences between two texts, English or Khmer.

Khmer has no spaces between words, so Khmer runs are split into words with
``khmercut``; everything else into words, spaces and punctuation marks. A change is
a run of whole tokens; the spaces between two changed words belong to the change,
so a reworded phrase reads as one deletion followed by one insertion.
"""
from __future__ import annotations

import difflib
import re
from typing import Iterator, Literal

from .. import khmer

Op = Literal["equal", "delete", "insert"]

_KHMER = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF\u200B\u200C\u200D]+")
_LATIN_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)
_CLUSTER = re.compile(r"[\u1780-\u17B3][\u17B4-\u17DD\u200C\u200D]*(?:\u17D2[\u1780-\u17B3][\u17B4-\u17DD]*)*|.", re.S)


def _khmer_words(run: str) -> tuple[str, ...]:
    """Words from the shared (cached) segmentation; clusters if it cannot keep every character."""
    try:
        words = khmer.segment(run)
    except Exception:  # noqa: BLE001 - segmentation is best effort; fall back to clusters
        words = None
    return words if words is not None else tuple(_CLUSTER.findall(run))


def tokenize(text: str) -> list[str]:
    """Words, spaces and punctuation; Khmer runs segmented into words. ''.join(tokens) == text."""
    out: list[str] = []
    pos = 0
    for m in _KHMER.finditer(text):
        out += _LATIN_TOKEN.findall(text[pos:m.start()])
        out += _khmer_words(m.group())
        pos = m.end()
    out += _LATIN_TOKEN.findall(text[pos:])
    return out


def _is_space(tok: str) -> bool:
    return tok.isspace()


def diff_tokens(old: str, new: str) -> list[tuple[Op, str]]:
    """A list of (op, text) whose 'equal'+'delete' parts give ``old`` and 'equal'+'insert' ``new``."""
    a, b = tokenize(old), tokenize(new)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # Raw opcodes, then absorb lone spaces sitting between two changes into the change.
    ops: list[tuple[str, list[str], list[str]]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        ops.append((tag, a[i1:i2], b[j1:j2]))
    merged: list[list] = []  # [tag, old_tokens, new_tokens]
    for k, (tag, ta, tb) in enumerate(ops):
        between_changes = (tag == "equal" and 0 < k < len(ops) - 1 and all(_is_space(t) for t in ta))
        if between_changes or tag != "equal":
            if merged and merged[-1][0] == "change":
                merged[-1][1] += ta
                merged[-1][2] += tb
            else:
                merged.append(["change", list(ta), list(tb)])
        else:
            merged.append(["equal", list(ta), list(tb)])
    result: list[tuple[Op, str]] = []
    for tag, ta, tb in merged:
        if tag == "equal":
            result.append(("equal", "".join(ta)))
            continue
        # A change that starts or ends with the same spaces on both sides keeps them unchanged.
        lead = ""
        while ta and tb and ta[0] == tb[0] and _is_space(ta[0]):
            lead += ta.pop(0)
            tb.pop(0)
        trail = ""
        while ta and tb and ta[-1] == tb[-1] and _is_space(ta[-1]):
            trail = ta.pop() + trail
            tb.pop()
        if lead:
            result.append(("equal", lead))
        if ta:
            result.append(("delete", "".join(ta)))
        if tb:
            result.append(("insert", "".join(tb)))
        if trail:
            result.append(("equal", trail))
    return result


def side(ops: list[tuple[Op, str]], which: Literal["old", "new"]) -> str:
    skip = "insert" if which == "old" else "delete"
    return "".join(t for op, t in ops if op != skip)


def inline_markup(old: str, new: str) -> str:
    """Plain-text rendering for a terminal: [-deleted-]{+inserted+}."""
    parts: Iterator[str] = (t if op == "equal" else (f"[-{t}-]" if op == "delete" else f"{{+{t}+}}")
                            for op, t in diff_tokens(old, new))
    return "".join(parts)
