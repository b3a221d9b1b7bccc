"""Building blocks shared by every data file: bilingual text, source citations, counts."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

# Word bookmark names allow letters, digits and '_' only, start with a letter and
# have at most 40 characters; IDs double as bookmark names, so they follow the rule.
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
OutputId = Annotated[str, StringConstraints(pattern=r"^[1-9]\.[1-9]$")]  # ASEAN RPA-WPS output "3.1"
OutcomeId = Annotated[str, StringConstraints(pattern=r"^[1-9]$")]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never silently drop data."""

    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=False)


TranslationStatus = Literal["draft", "reviewed", "approved"]
TRANSLATION_STATUSES: tuple[str, ...] = ("draft", "reviewed", "approved")
_LEGACY_KEY = "km_draft"


def english_hash(en: str) -> str:
    """A short fingerprint of an English text, blind to how YAML folds its lines.

    Stored beside a Khmer translation (``en_hash``): when the English changes, the
    fingerprints differ and the translation is out of date.
    """
    return hashlib.sha256(" ".join(en.split()).encode("utf-8")).hexdigest()[:12]


class Translated(Strict):
    """An English text and its Khmer translation, with the translation's review
    status and the fingerprint of the English it translates."""

    en: str = Field(min_length=1)
    km: Optional[str] = None
    status: TranslationStatus = "draft"  # draft -> reviewed -> approved
    translator: Optional[str] = None  # who set the status
    date: Optional[dt.date] = None  # when the status was set
    en_hash: Optional[str] = Field(default=None, pattern=r"^[0-9a-f]{12}$")
    _legacy_km_draft: Optional[bool] = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _old_km_draft(cls, data, handler):
        # ``km_draft: true/false`` was the status before there was one: read it as
        # ``status: draft/reviewed`` and let validation report it, with the fix.
        if not (isinstance(data, dict) and _LEGACY_KEY in data):
            return handler(data)
        data = dict(data)
        old = data.pop(_LEGACY_KEY)
        if "status" in data:
            raise ValueError("'km_draft' and 'status' are both set: delete 'km_draft' ('status' replaced it)")
        if not isinstance(old, bool):
            raise ValueError(f"'km_draft' must be true or false (got {old!r}); better, replace it with "
                             "'status: draft' (or reviewed, approved)")
        data["status"] = "draft" if old else "reviewed"
        obj = handler(data)
        obj._legacy_km_draft = old
        return obj

    @property
    def legacy_km_draft(self) -> Optional[bool]:
        """The old ``km_draft`` value when the data still uses it (None once migrated)."""
        return self._legacy_km_draft

    @property
    def km_draft(self) -> bool:
        return self.status == "draft"

    @property
    def stale(self) -> bool:
        """True when there is a Khmer text and it translates another English text."""
        return bool(self.km) and self.en_hash is not None and self.en_hash != english_hash(self.en)


class Text(Translated):
    """A human-readable text in English and Khmer.

    ``km`` may be missing (rendered as the English text, flagged as translation
    pending); ``status`` says whether a translator has reviewed or approved it;
    ``en_hash`` fingerprints the English it translates, so a changed English text
    marks its translation out of date.
    """

    def get(self, lang: str) -> str:
        if lang == "km":
            return self.km if self.km else self.en
        return self.en

    def missing(self, lang: str) -> bool:
        return lang == "km" and not self.km


class SourceRef(Strict):
    """Where a fact comes from in the seed documents (shared/seeds/)."""

    file: str = Field(min_length=1, description="seed file name, e.g. 003_465d7293abc2d4a4.txt")
    line: int = Field(ge=1)
    line_end: Optional[int] = Field(default=None, ge=1)
    section: Optional[str] = None
    note: Optional[str] = None

    def label(self) -> str:
        lines = f"{self.line}" + (f"-{self.line_end}" if self.line_end else "")
        sec = f"§{self.section}, " if self.section else ""
        return f"{sec}{self.file}:{lines}"


class SexCount(Strict):
    """Counts disaggregated by sex, exactly as a source gives them (they may not add up)."""

    total: Optional[int] = Field(default=None, ge=0)
    female: Optional[int] = Field(default=None, ge=0)
    male: Optional[int] = Field(default=None, ge=0)
    # Set when a source's figures do not add up: validation then reports the
    # discrepancy as a warning instead of an error, every time, and renders this note.
    discrepancy_note: Optional[str] = None

    def inconsistency(self) -> Optional[str]:
        if None in (self.total, self.female, self.male):
            return None
        if self.female + self.male != self.total:
            return f"female {self.female} + male {self.male} = {self.female + self.male}, but total is {self.total}"
        return None


def normalise_output_id(value: object) -> object:
    """Accept 1.1 (a YAML float) or 'Output 1.1' and return '1.1'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.1f}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(?:output\s*)?(\d\.\d)\s*", value, re.I)
        if m:
            return m.group(1)
    return value


def normalise_outcome_id(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
