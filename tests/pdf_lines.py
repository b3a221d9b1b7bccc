"""Where lines end in a PDF, read from its content streams (pikepdf).

Text extractors double Khmer clusters in LibreOffice's PDFs (and did in Typst's before
docgen's text layer): the font's ToUnicode maps every glyph of a cluster to the whole
cluster, the true text being in /ActualText spans. So this reader decodes each
text-showing operator itself: an /ActualText span as its text (an empty one silences
its glyphs, as docgen's PDF text layer does), other text, the text layer's invisible
text included, through its font's ToUnicode map; and places it where the text matrix
and the CTM put it. A line ends where the baseline moves by more than half the
font size. Text is returned in content-stream order (the order the layout engine
wrote it, which keeps a paragraph's lines together and in order).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf

from conftest import read_in_parallel, read_once


_MARK = re.compile("[\u17B6-\u17D3\u17DD]")  # Khmer dependent vowels, signs, coeng


@dataclass
class Show:
    page: int
    x: float
    y: float
    size: float
    text: str


def _hex(s: str) -> bytes:
    return bytes.fromhex(s)


def _utf16(b: bytes) -> str:
    return b.decode("utf-16-be", errors="replace")


def _cmap(font) -> tuple[dict[bytes, str], int]:
    """ToUnicode of a font as {code bytes: text}, and its code width in bytes."""
    width = 2 if font.get("/Subtype") == "/Type0" else 1
    out: dict[bytes, str] = {}
    tu = font.get("/ToUnicode")
    if tu is None:
        return out, width
    data = tu.read_bytes().decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[_hex(src)] = _utf16(_hex(dst))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for m in re.finditer(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[.*?\]|<[0-9A-Fa-f]*>)", block, re.S):
            lo, hi, dst = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
            n = len(m.group(1)) // 2
            if dst.startswith("["):
                for i, d in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", dst)):
                    out[(lo + i).to_bytes(n, "big")] = _utf16(_hex(d))
            else:
                base = _hex(dst[1:-1])
                for i in range(hi - lo + 1):
                    v = int.from_bytes(base, "big") + i
                    out[(lo + i).to_bytes(n, "big")] = _utf16(v.to_bytes(len(base), "big"))
    return out, width


def _mul(a, b):
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


# the operators shows() reads (pikepdf skips the others, a quarter of the parsing time)
_OPERATORS = "q Q cm BT Tm Td Tf BDC BMC EMC Tj TJ ' \""


def shows(path: Path) -> list[Show]:
    """Every piece of text the PDF draws, with its position, in content order."""
    out: list[Show] = []
    with pikepdf.open(path) as pdf:
        for pno, page in enumerate(pdf.pages):
            fonts = page.Resources.get("/Font", {})
            cmaps = {}
            ctm = [1, 0, 0, 1, 0, 0]
            stack = []
            tm = [1, 0, 0, 1, 0, 0]
            font, size = None, 0.0
            actual: list = []  # [text, position or None] of the open /ActualText spans
            depth: list[bool] = []  # per open marked-content span: is it an /ActualText span
            for operands, op in pikepdf.parse_content_stream(page, _OPERATORS):
                op = str(op)
                if op == "q":
                    stack.append(ctm[:])
                elif op == "Q":
                    ctm = stack.pop() if stack else ctm
                elif op == "cm":
                    ctm = _mul([float(v) for v in operands], ctm)
                elif op == "BT":
                    tm = [1, 0, 0, 1, 0, 0]
                elif op == "Tm":
                    tm = [float(v) for v in operands]
                elif op == "Td":
                    tm = _mul([1, 0, 0, 1, float(operands[0]), float(operands[1])], tm)
                elif op == "Tf":
                    name = str(operands[0])
                    size = float(operands[1])
                    if name not in cmaps:
                        cmaps[name] = _cmap(fonts[name]) if name in fonts else ({}, 1)
                    font = cmaps[name]
                elif op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" and len(operands) > 1 else None
                    is_actual = isinstance(props, pikepdf.Dictionary) and "/ActualText" in props
                    depth.append(is_actual)
                    if is_actual:
                        actual.append([_text_of(props["/ActualText"]), None])
                elif op == "EMC":
                    if depth and depth.pop() and actual:
                        text, pos = actual.pop()
                        if pos is not None and text:
                            out.append(Show(pno, pos[0], pos[1], pos[2], text))
                elif op in ("Tj", "TJ", "'", '"') and font is not None:
                    m = _mul(tm, ctm)
                    eff = size * (abs(m[3]) or abs(m[0]) or 1)
                    pos = (m[4], m[5], eff)
                    if actual:
                        if actual[-1][1] is None:
                            actual[-1][1] = pos
                        continue
                    cmap, width = font
                    raw = b""
                    items = operands[0] if op == "TJ" else [operands[-1]]
                    for item in items:
                        if isinstance(item, pikepdf.String):
                            raw += bytes(item)
                    text = "".join(cmap.get(raw[i:i + width], "") for i in range(0, len(raw), width))
                    if text:
                        out.append(Show(pno, pos[0], pos[1], pos[2], text))
    return out


def _text_of(value) -> str:
    """An /ActualText value as text ('' for an empty or non-string one: the PDF text layer
    silences the drawn glyphs with such spans and carries the text in invisible text)."""
    if not isinstance(value, pikepdf.String):
        return ""
    b = bytes(value)
    text = b[2:].decode("utf-16-be", errors="replace") if b.startswith(b"\xfe\xff") else str(value)
    return text.replace("\x00", "")


def lines(path: Path) -> list[tuple[int, str]]:
    """(page, text) of each line, in content order; a new line where the baseline moves by
    more than half the font size (boxes and superscripts shift it less).

    A glyph that the font moves off the baseline (a Khmer vowel or subscript) is written
    as a text object of its own, which carries its cluster's text a second time (its
    ToUnicode or a repeated /ActualText): such a repeat off the baseline is dropped.

    Read once per session for each file (several tests read the shipped PDFs)."""
    return list(read_once(_lines, path))


def read_lines(paths) -> None:
    """Read these files' lines now, in parallel (~8 s for the Khmer NAP)."""
    read_in_parallel(_lines, paths)


def _lines(path: str) -> tuple[tuple[int, str], ...]:
    out: list[tuple[int, str]] = []
    cur_page, cur_y, buf, last = None, None, "", None
    for s in shows(Path(path)):
        new_line = (cur_page != s.page or cur_y is None or abs(s.y - cur_y) > 0.5 * max(s.size, 1))
        if new_line and _MARK.match(s.text) and cur_page == s.page:
            new_line = False  # a vowel or subscript drawn apart from its base: same line
        if new_line:
            if buf:
                out.append((cur_page, buf))
            buf, cur_page, cur_y, last = "", s.page, s.y, None
        elif last is not None and last.text.endswith(s.text) and abs(s.y - cur_y) > 0.01 and len(s.text) > 1:
            continue
        buf += s.text
        last = s
    if buf:
        out.append((cur_page, buf))
    return tuple(out)


@lru_cache(maxsize=None)
def _icu():
    import icu

    return icu.BreakIterator.createWordInstance(icu.Locale("km"))


def icu_bounds(run: str) -> set[int]:
    """ICU's Khmer word boundaries inside ``run`` (its dictionary-based word breaker)."""
    bi = _icu()
    bi.setText(run)
    return {b for b in bi if 0 < b < len(run)}


_RUN_END = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]+$")
_RUN_START = re.compile(r"^[\u1780-\u17FF\u19E0-\u19FF]+")


@dataclass
class Breaks:
    khmer_ends: int        # line ends between two Khmer characters of one source text
    inside: list[str]      # ... of them inside a word of the project's lexicon
    icu_inside: list[str]  # ... of them inside an ICU word
    too_narrow: list[str]  # inside a word that starts its line: the column is narrower than the word
    # ... of icu_inside, those where ICU's word runs on into one of docgen's words (ICU cuts
    # ជាស|មាជិក, ទទួលការ|បណ្ដុះបណ្ដាល): ICU's segmentation, not ours, is at fault there. The
    # rest are places where ICU takes two whole words for one (មិន|បាន, បាន|ឮ).
    icu_crossing: list[str] = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.icu_crossing is None:
            self.icu_crossing = []

    @property
    def icu_share(self) -> float:
        return len(self.icu_inside) / self.khmer_ends if self.khmer_ends else 0.0


def khmer_breaks(line_texts: list[str], source: str) -> Breaks:
    """Line ends that fall inside a Khmer run of ``source`` (the document's text), and which
    of them break a word: by docgen.khmer's words, and by ICU's.

    A line end is inside a run when the end of one line and the start of the next occur
    together, without a space, in a run of the source; ends between paragraphs, cells or
    at spaces do not. A word is broken when no occurrence of that text has a boundary there."""
    from docgen import khmer

    runs = sorted(set(khmer.KHMER_RUN.findall(khmer.strip_invisible(source))))
    ends, inside, icu_inside, too_narrow, icu_crossing = 0, [], [], [], []
    for a, b in zip(line_texts, line_texts[1:]):
        ta = _RUN_END.search(khmer.strip_invisible(a).rstrip("\u00a0"))
        hb = _RUN_START.search(khmer.strip_invisible(b))
        if not ta or not hb:
            continue
        tail, head = ta.group(), hb.group()
        joined = tail + head
        occ = [(r, m.start() + len(tail)) for r in runs if joined in r
               for m in re.finditer(re.escape(joined), r)]
        if not occ:
            continue
        ends += 1
        shown = f"{tail[-10:]}|{head[:10]}"
        if not any(off in khmer.word_bounds(r) for r, off in occ):
            line = khmer.strip_invisible(a).strip()
            # The word's part on this line is all the line holds: the word alone is wider
            # than the column (a layout problem, not a segmentation one).
            starts = [max([0, *(x for x in khmer.word_bounds(r) if x < off)]) for r, off in occ]
            if any(line == r[st:off] for (r, off), st in zip(occ, starts)):
                too_narrow.append(shown)
            else:
                inside.append(shown)
        if not any(off in icu_bounds(r) for r, off in occ) and shown not in too_narrow[-1:]:
            icu_inside.append(shown)
            r, off = occ[0]
            bounds = icu_bounds(r)
            lo = max([0, *(x for x in bounds if x < off)])
            hi = min([len(r), *(x for x in bounds if x > off)])
            ours = sorted(khmer.word_bounds(r) | {0, len(r)})
            if any(a < edge < b for a, b in zip(ours, ours[1:]) for edge in (lo, hi)):
                icu_crossing.append(shown)
    return Breaks(ends, inside, icu_inside, too_narrow, icu_crossing)
