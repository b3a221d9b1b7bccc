"""What a backend needs to know about a document besides its Markdown body."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocMeta:
    doc: str                 # "nap" | "tor" | "consultation" | "summary" | "redline"
    lang: str                # "en" | "km" | "en-km" (bilingual)
    title: str
    version: str
    date: dt.date            # also the fixed timestamp of every output file
    header_text: str         # e.g. "DRAFT v0.1 - 21 November 2026", localised
    subtitle: str = ""
    status: str = "DRAFT"
    author: str = ""         # issuing ministry
    subject: str = ""
    keywords: tuple[str, ...] = ()
    # Localised labels the backends print themselves: "contents", "page", "of", "table", "figure".
    labels: dict[str, str] = field(default_factory=dict)
    # Extra document properties (DOCX custom properties / PDF metadata), e.g. {"version": "0.1"}.
    properties: dict[str, str] = field(default_factory=dict)
    # DOCX: Track Changes is always on; this also enforces it (Word's "restrict editing").
    lock_tracking: bool = False

    @property
    def primary_lang(self) -> str:
        """The language of the body text: Khmer for "km", English otherwise."""
        return "km" if self.lang == "km" else "en"
