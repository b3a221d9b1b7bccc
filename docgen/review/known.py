"""Which bookmark names and heading texts stand for which plan IDs.

With a plan, every ID the drafts carry is known (and its titles, for headings
whose bookmark was lost). Without one (a reviewed file arrives before the data
is valid), bookmark names are recognised by the ID scheme in DEVELOPERS.md.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Optional

Target = tuple[str, str]  # (kind, plan ID), e.g. ("action", "PROT_01"), ("output", "3.1")

_PREFIX = {"pillar": "PIL_", "outcome": "SO_", "theme": "TH_"}


def bookmark_name(kind: str, ident: str) -> str:
    """The bookmark a draft carries for a plan ID (docgen.anchors when present)."""
    try:
        from ..anchors import bookmark_for  # type: ignore
        return bookmark_for(kind, ident)
    except Exception:  # not written yet, or a kind it does not know
        pass
    if kind == "output":
        return "OUT_" + ident.replace(".", "_")
    return _PREFIX.get(kind, "") + ident


# Bookmark names by the ID scheme, for when no plan is at hand.
_SCHEME = [
    (re.compile(r"^PIL_([a-z][a-z0-9_]*)$"), "pillar", lambda m: m.group(1)),
    (re.compile(r"^SO_([1-9])$"), "outcome", lambda m: m.group(1)),
    (re.compile(r"^OUT_([1-9])_([1-9])$"), "output", lambda m: f"{m.group(1)}.{m.group(2)}"),
    (re.compile(r"^(SEC_[A-Za-z0-9_]+)$"), "section", lambda m: m.group(1)),
    (re.compile(r"^TH_([A-Za-z0-9_]+)$"), "theme", lambda m: m.group(1)),
    # an indicator's comment belongs to its action
    (re.compile(r"^([A-Z]{2,6}_[0-9]{1,3})_I[0-9]+$"), "action", lambda m: m.group(1)),
    (re.compile(r"^([A-Z]{2,6}_[0-9]{1,3})$"), "action", lambda m: m.group(1)),
]
_ID_TOKEN = re.compile(r"(?<![A-Za-z0-9_])([A-Z]{2,6}_[0-9]{1,3})(?:_I[0-9]+)?(?![A-Za-z0-9_])")
_OUTPUT_TEXT = re.compile(r"(?i)\boutput\s+([1-9])\.([1-9])\b")


def normalise_title(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"^[\s\d.:)\-–—]+", "", text)  # leading numbering "3.1 ", "2) "
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text)  # zero-width spaces in Khmer
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class KnownIds:
    bookmarks: dict[str, Target] = field(default_factory=dict)
    titles: dict[str, Target] = field(default_factory=dict)  # normalised title -> target
    actions: set[str] = field(default_factory=set)
    from_plan: bool = False

    def for_bookmark(self, name: str) -> Optional[Target]:
        if not name or name.startswith("_"):  # Word's hidden bookmarks: _GoBack, _Toc..., _Ref...
            return None
        if name in self.bookmarks:
            return self.bookmarks[name]
        if self.from_plan:
            # a bookmark Word renamed on copy ("PROT_01_1"?) is not trusted; indicators map to actions
            m = re.match(r"^(.+)_I[0-9]+$", name)
            if m and m.group(1) in self.actions:
                return ("action", m.group(1))
            return None
        for rx, kind, ident in _SCHEME:
            m = rx.match(name)
            if m:
                return (kind, ident(m))
        return None

    def for_heading(self, text: str, heading: bool) -> Optional[Target]:
        """A heading naming a known ID or title; any paragraph that starts with an action ID."""
        stripped = text.strip()
        m = _ID_TOKEN.search(stripped)
        if m and (heading or m.start() == 0):
            ident = m.group(1)
            if not self.from_plan or ident in self.actions:
                return ("action", ident)
        if not heading:
            return None
        for token in re.findall(r"[A-Za-z][A-Za-z0-9_]{1,39}", stripped):
            if token in self.bookmarks and not token.startswith("_"):
                return self.bookmarks[token]
            if not self.from_plan and token.startswith("SEC_"):
                return ("section", token)
        m = _OUTPUT_TEXT.search(stripped)
        if m:
            return ("output", f"{m.group(1)}.{m.group(2)}")
        candidates = [stripped]
        if ":" in stripped:  # "Pillar 1: Protection"
            candidates.append(stripped.split(":", 1)[1])
        for cand in candidates:
            key = normalise_title(cand)
            if key and key in self.titles:
                return self.titles[key]
        return None


def known_ids_from_plan(plan: Any) -> KnownIds:
    """Every ID a draft of ``plan`` carries as a bookmark, and the titles of its headings."""
    known = KnownIds(from_plan=True)

    def add(kind: str, ident: str, *titles) -> None:
        known.bookmarks[bookmark_name(kind, ident)] = (kind, ident)
        for t in titles:
            if t is None:
                continue
            for s in (t.en, t.km):
                if s and normalise_title(s):
                    known.titles.setdefault(normalise_title(s), (kind, ident))

    for p in getattr(plan, "pillars", []):
        add("pillar", p.id, p.name)
    for o in getattr(plan, "outcomes", []):
        add("outcome", o.id)
    for o in getattr(plan, "outputs", []):
        add("output", o.id)
    for t in getattr(plan, "themes", []):
        add("theme", t.id, t.title)
    for s in getattr(plan, "sections", []):
        add("section", s.id, s.title)
    for a in getattr(plan, "actions", []):
        add("action", a.id)
        known.actions.add(a.id)
        for ind in a.indicators:
            known.bookmarks[bookmark_name("indicator", ind.id)] = ("action", a.id)
    return known
