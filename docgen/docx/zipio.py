"""Deterministic zip writing: fixed entry order, timestamps and permissions."""
from __future__ import annotations

import datetime as dt
import zipfile
from typing import BinaryIO, Mapping

# [Content_Types].xml first and _rels next is what Word itself writes; some tools sniff it.
_FIRST = ("[Content_Types].xml", "_rels/.rels")


def write_zip(fh: BinaryIO, parts: Mapping[str, bytes], date: dt.date) -> None:
    stamp = (max(date.year, 1980), date.month, date.day, 0, 0, 0)
    names = [n for n in _FIRST if n in parts] + sorted(n for n in parts if n not in _FIRST)
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0  # same bytes whatever OS builds it
            zf.writestr(info, parts[name], compresslevel=6)
