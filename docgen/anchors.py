"""The one place that maps plan IDs to bookmark names (DOCX bookmarks, Typst labels,
Markdown ``{#...}`` identifiers). See the ID table in DEVELOPERS.md.

Word bookmark names: a letter first, then letters, digits and '_', at most 40
characters. Every name made here is checked against that rule.
"""
from __future__ import annotations

import re

_BOOKMARK = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")

# kind -> prefix; None means the ID is the bookmark name itself.
PREFIXES: dict[str, str | None] = {
    "pillar": "PIL_",
    "outcome": "SO_",
    "output": "OUT_",
    "action": None,
    "indicator": None,
    "section": None,
    "theme": "TH_",
}
# Documents built from the same pipeline; these are not plan IDs but fixed
# headings every template needs a stable anchor for.
FIXED = {
    "cover": "DOC_cover", "toc": "DOC_toc", "acronyms": "DOC_acronyms",
    "themes": "DOC_themes", "matrix": "DOC_matrix", "annex": "DOC_annex",
    "coverage": "DOC_coverage", "introduction": "DOC_introduction",
    "coordination": "DOC_coordination",
}


def bookmark_for(kind: str, id: str) -> str:
    """``bookmark_for("output", "3.1") == "OUT_3_1"``; ``("action", "PROT_01") == "PROT_01"``."""
    if kind == "fixed":
        name = FIXED[id]
    else:
        if kind not in PREFIXES:
            raise KeyError(f"unknown anchor kind {kind!r}; expected one of {', '.join(PREFIXES)}")
        prefix = PREFIXES[kind] or ""
        name = prefix + str(id).replace(".", "_")
    if not _BOOKMARK.fullmatch(name):
        raise ValueError(f"{kind} ID {id!r} gives {name!r}, which is not a valid bookmark name "
                         "(letter first, then letters, digits, '_'; 40 characters at most)")
    return name
