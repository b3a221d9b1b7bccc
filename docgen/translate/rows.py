"""What travels in an exchange file: one row per unit, written and read back alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .units import Unit, fingerprint


@dataclass
class Row:
    key: str
    en: str
    en_hash: str  # of the English at export time
    km: str  # the translator's Khmer ('' when empty)
    status: str  # the translator's status
    translator: str = ""
    note: str = ""
    base_km_hash: str = ""  # fingerprint of the Khmer the file was exported with
    base_status: str = ""
    where: str = ""  # 'sheet Translations, row 7' / 'unit actions:PROT_01:text': for messages
    # export-only information
    file: str = ""
    context: str = ""
    terms: str = ""
    state: str = ""

    @classmethod
    def from_unit(cls, u: Unit) -> "Row":
        t = u.text
        return cls(key=u.key, en=t.en, en_hash=u.en_hash,
                   km=t.km or "", status=t.status, translator=t.translator or "",
                   base_km_hash=fingerprint(t.km), base_status=t.status, file=u.file,
                   context=u.context(), terms=u.terms_text(), state=u.state)


STATUS_CHOICES = ("draft", "reviewed", "approved")


def clean(value: Optional[object]) -> str:
    """A cell's text: None is '', numbers as written, surrounding whitespace dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
