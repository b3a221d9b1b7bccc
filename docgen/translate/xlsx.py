"""The translators' workbook (XLSX, openpyxl).

One sheet, one row per text. The columns a translator fills (Khmer, status,
translator, note) are unlocked; the others are locked under sheet protection
(without a password: it guards against slips, not people). The header is
frozen, texts wrap, Khmer cells use the documents' Khmer font, and the status
column only takes draft / reviewed / approved. Two hidden columns keep what
the file was exported with, for the three-way check on import.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Optional

from ..diagnostics import Diagnostic, DocgenError, relative
from .rows import STATUS_CHOICES, Row, clean

SHEET = "Translations"
# (header, Row attribute, width, editable, Khmer font)
COLUMNS = (
    ("Key", "key", 30, False, False),
    ("File", "file", 18, False, False),
    ("State", "state", 10, False, False),
    ("Context", "context", 34, False, False),
    ("English", "en", 60, False, False),
    ("Khmer", "km", 60, True, True),
    ("Status", "status", 11, True, False),
    ("Translator", "translator", 16, True, False),
    ("Glossary terms (required Khmer)", "terms", 34, False, True),
    ("Translator's note", "note", 30, True, True),
    ("English hash", "en_hash", 14, False, False),
    ("Khmer hash at export", "base_km_hash", 14, False, False),
    ("Status at export", "base_status", 10, False, False),
)
HIDDEN = ("base_km_hash", "base_status")
README_LINES = (
    "How to fill in this workbook",
    "Write or correct the Khmer in the yellow 'Khmer' column; set 'Status' to draft, reviewed or approved; "
    "put your name under 'Translator' and anything the secretariat should know under 'Translator's note'.",
    "សូមសរសេរ ឬកែសម្រួលអត្ថបទខ្មែរក្នុងជួរឈរ 'Khmer' ពណ៌លឿង ហើយកំណត់ 'Status' ជា draft, reviewed ឬ approved។",
    "Keep numbers, acronyms and IDs of the English (e.g. 2030, SGBV, MoWA) in the Khmer, and use the Khmer terms "
    "given under 'Glossary terms'.",
    "'State' says why a row is here: missing (no Khmer yet), draft, or stale (the English changed since the Khmer "
    "was written).",
    "Do not change the grey columns, the headers or the sheet's name; rows may be sorted and filtered.",
    "Send the saved .xlsx back to the NAP-WPS secretariat, who import it with 'docgen translate import'.",
)
REQUIRED = ("Key", "English", "Khmer", "Status", "English hash", "Khmer hash at export", "Status at export")


STYLE_YAML = Path(__file__).resolve().parent.parent / "style" / "style.yaml"


def khmer_font() -> str:
    """The documents' Khmer body font (docgen/style/style.yaml), for Khmer cells."""
    import yaml
    try:
        return yaml.safe_load(STYLE_YAML.read_text(encoding="utf-8"))["fonts"]["khmer"]["body"]
    except (OSError, KeyError, TypeError, yaml.YAMLError):  # the build reports a broken style
        return "Khmer OS Siemreap"


def print_setup(ws) -> None:
    """Printed: landscape, all columns on one page width, the header on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def row_height(cells: list[tuple[str, float, bool]]) -> float:
    """Points for a row of wrapped cells (text, column width in characters, Khmer?):
    spreadsheets do not grow rows for wrapped text they did not lay out themselves.
    Measured on LibreOffice Calc: about 1.3 characters per width unit (Khmer code points
    included, their marks take no room; 1.1 for Latin text), 15 pt a Latin line and 21 pt a Khmer one."""
    import math
    height = 15.0
    for text, width, km in cells:
        per_line = max(1.0, width * (1.3 if km else 1.1))
        lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        height = max(height, lines * (21.0 if km else 15.0))
    return min(409.0, height + 4)


def write_xlsx(rows: list[Row], out: Path, *, title: str, created: Optional[dt.datetime] = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    khmer = Font(name=khmer_font(), size=11)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="1F3864")
    edit_fill = PatternFill("solid", fgColor="FFF8E1")
    wrap = Alignment(wrap_text=True, vertical="top")
    for c, (header, _attr, width, editable, _km) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=c, value=header)
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[1].height = 32
    for r, row in enumerate(rows, start=2):
        for c, (_h, attr, _w, editable, km) in enumerate(COLUMNS, start=1):
            value = getattr(row, attr)
            cell = ws.cell(row=r, column=c, value=value if value != "" else None)
            cell.data_type = "s" if value != "" else cell.data_type
            cell.alignment = wrap
            if km:
                cell.font = khmer
            if editable:
                cell.protection = Protection(locked=False)
                cell.fill = edit_fill
        ws.row_dimensions[r].height = row_height(
            [(str(getattr(row, attr) or ""), width, km) for _h, attr, width, _e, km in COLUMNS if attr not in HIDDEN])
    for attr in HIDDEN:
        idx = [c[1] for c in COLUMNS].index(attr) + 1
        ws.column_dimensions[get_column_letter(idx)].hidden = True
    status_col = get_column_letter([c[1] for c in COLUMNS].index("status") + 1)
    dv = DataValidation(type="list", formula1='"' + ",".join(STATUS_CHOICES) + '"', allow_blank=False,
                        showErrorMessage=True, errorTitle="Status",
                        error="Choose draft, reviewed or approved")
    dv.add(f"{status_col}2:{status_col}{max(2, len(rows) + 1)}")
    ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    print_setup(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS) - len(HIDDEN))}{len(rows) + 1}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False  # translators may still filter and sort
    ws.protection.sort = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    about = wb.create_sheet("Read me")
    about.column_dimensions["A"].width = 100
    for r, line in enumerate(README_LINES, start=1):
        cell = about.cell(r, 1, line)
        cell.alignment = wrap
        cell.font = khmer if any("\u1780" <= ch <= "\u17ff" for ch in line) else Font(bold=(r == 1))
    props = wb.properties
    props.title = title
    props.creator = "docgen"
    stamp = created or dt.datetime(2000, 1, 1)
    props.created = props.modified = stamp
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def read_xlsx(path: Path) -> list[Row]:
    """The rows of a translators' workbook; a file we cannot read raises DocgenError."""
    display = relative(path)
    if not zipfile.is_zipfile(path):
        raise DocgenError([Diagnostic(display, None, None, "", "not an XLSX workbook (not a zip file)",
                                      hint="import the .xlsx or .xlf file made by 'docgen translate export'")])
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DocgenError([Diagnostic(display, None, None, "", f"cannot open the workbook: {exc}",
                                      hint="save it again as Excel 2007-365 (.xlsx)")]) from None
    if SHEET not in wb.sheetnames:
        raise DocgenError([Diagnostic(display, None, None, "", f"no sheet named '{SHEET}' (found: "
                                      f"{', '.join(wb.sheetnames)})", hint="keep the sheet's name as exported")])
    ws = wb[SHEET]
    it = ws.iter_rows(values_only=True)
    header = [clean(h) for h in next(it, ())]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise DocgenError([Diagnostic(display, 1, None, f"sheet {SHEET}",
                                      f"missing column(s): {', '.join(missing)}",
                                      hint="the first row must keep the exported headers; "
                                           "export a fresh file and copy the Khmer across")])
    index = {h: header.index(h) for h in header if h}
    attrs = {h: a for h, a, *_ in COLUMNS}
    rows = []
    for n, values in enumerate(it, start=2):
        values = list(values) + [None] * (len(header) - len(values))
        if all(v is None or clean(v) == "" for v in values):
            continue
        data = {attrs[h]: clean(values[i]) for h, i in index.items() if h in attrs}
        rows.append(Row(key=data.get("key", ""), en=data.get("en", ""), en_hash=data.get("en_hash", ""),
                        km=data.get("km", ""), status=data.get("status", ""),
                        translator=data.get("translator", ""), note=data.get("note", ""),
                        base_km_hash=data.get("base_km_hash", ""), base_status=data.get("base_status", ""),
                        where=f"{display}, row {n}"))
    wb.close()
    return rows
