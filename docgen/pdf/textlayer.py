"""Khmer text that extracts as it reads: the last stage of the PDF backend.

Typst gives each glyph the text of the whole cluster it first appeared in (its ToUnicode
entry) and writes a cluster's true text only as ``/ActualText`` marked content, which
poppler, pdfium and MuPDF each honour differently; a cluster drawn in pieces (a vowel
sign raised or lowered is a text run of its own) repeats its text. Copying, searching
or extracting Khmer gave doubled and reordered clusters.

:func:`fix_khmer_text` keeps every visible glyph where it is but makes it carry no text,
and lays the true text over it once, in invisible glyphs (text render mode 3) of a
glyphless font whose codes are the Unicode code points, as OCR tools make scanned pages
searchable (OCRmyPDF, Tesseract). It works from the PDF alone:

* The *run* is the unit: the glyphs one text object shows in one font inside one
  marked-content sequence (with Typst, a word box). A run with Khmer in its text is
  rewritten; every other run (Latin, digits, spaces) is left byte for byte.
* Its text: each cluster (an ActualText span, or a glyph outside one) gives its text
  once; a piece of a cluster drawn again (same text, close by, with no width of its own
  or off the baseline) gives nothing. U+200B, the Typst source's line-break hint, is
  left out.
* The layer: the run's text in the glyphless font from the run's origin to its end
  (``Tz`` fits it), inside the run's own marked-content sequence, before its glyphs;
  the structure tree (MCIDs) is untouched. Non-spacing marks advance less than letters
  in that font (see ``MARK_ADVANCE``).
* Silencing: the glyphs switch to a twin of their font (same program, widths, encoding;
  every code mapped to U+0000) inside two spans, see ``_SILENT_OPEN``.

Pages with content this stage does not read (an inline image, a font it cannot measure)
are left as they are. Same input bytes, same output bytes.
"""
from __future__ import annotations

import io
import operator
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from . import glyphless as _glyphless

__all__ = ["fix_khmer_text", "khmer_run_text", "TEXTLAYER_VERSION"]

# Part of the build cache's key: change it whenever the output for the same input changes.
TEXTLAYER_VERSION = "textlayer-4"

_KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")


@lru_cache(maxsize=1 << 14)
def _is_khmer(text: str) -> bool:
    return _KHMER.search(text) is not None

# --- one content-stream operation per match -------------------------------------------
_STR = rb"\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)"
_HEX = rb"<[0-9A-Fa-f\s]*>"
_NUM = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
_NAME = rb"/[^\s/\[\]()<>{}%]*"
_ARR = rb"\[(?:[^\[\]()]|" + _STR + rb")*\]"
_DICT = (rb"<<(?:[^<>()]|" + _STR + rb"|" + _HEX + rb"|<<(?:[^<>()]|" + _STR + rb"|" + _HEX
         + rb")*>>)*>>")
_OPERAND = b"(?:" + b"|".join([_NUM, _NAME, _STR, _DICT, _HEX, _ARR, rb"true|false|null"]) + b")"
# Typst sets render mode, font and text matrix before every show: those three operations
# are matched (and interpreted) as one, a third of all operations of a Khmer page
_STATE_TRIPLE = (rb"(?P<tr>" + _NUM + rb")\s*Tr\s*/(?P<font>[^\s/\[\]()<>{}%]*)\s+(?P<size>" + _NUM
                 + rb")\s*Tf\s*(?P<tm>" + _NUM + rb"(?:\s+" + _NUM + rb"){5})\s*Tm(?![A-Za-z0-9*])")
_OP = re.compile(rb"(?:\s|%[^\r\n]*)*(?:(?P<triple>" + _STATE_TRIPLE + rb")|(?P<args>(?:" + _OPERAND
                 + rb"(?:\s|%[^\r\n]*)*)*)(?P<op>[A-Za-z'\"][A-Za-z0-9*]*|'|\"))", re.S)
_ACTUAL_TEXT = re.compile(rb"/ActualText\s*(" + _STR + rb"|" + _HEX + rb")", re.S)
_TRAILING = re.compile(rb"(?:\s|%[^\r\n]*)*\Z")
_TOKEN = re.compile(b"|".join([_NUM, _NAME, _STR, _HEX, rb"\[|\]", _DICT]), re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)", re.S)


def _literal(raw: bytes) -> bytes:
    """The bytes of a PDF literal string ``(...)``."""
    def unescape(m: re.Match) -> bytes:
        s = m.group(1)
        if s[:1].isdigit():
            return bytes([int(s, 8) & 0xFF])
        if s in (b"\r\n", b"\n", b"\r"):
            return b""
        return _ESCAPES.get(s, s)
    return _ESCAPE.sub(unescape, raw[1:-1])


def _string_bytes(token: bytes) -> bytes:
    if token[:1] == b"(":
        return _literal(token)
    digits = re.sub(rb"\s", b"", token[1:-1])
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())


@lru_cache(maxsize=1 << 16)
def _codes(token: bytes) -> tuple[int, ...]:
    """The 2-byte codes a string operand of a Type0 Identity-H font shows (the same
    tokens recur all over a document: a glyph, a word)."""
    raw = _string_bytes(token)
    return struct.unpack(f">{len(raw) // 2}H", raw[: len(raw) // 2 * 2])


@lru_cache(maxsize=1 << 14)
def _text_string(token: bytes) -> str:
    """A PDF text string (UTF-16BE with BOM, else PDFDocEncoding ~ Latin-1)."""
    raw = _string_bytes(token)
    if raw[:2] == b"\xfe\xff":
        return raw[2:].decode("utf-16-be", "replace")
    return raw.decode("latin-1")


def _numbers(operands: bytes) -> list[float]:
    try:
        return [float(t) for t in operands.split()]   # what text and matrix operators have
    except ValueError:
        return [float(t) for t in _TOKEN.findall(operands)]


# --- fonts ------------------------------------------------------------------------------
@dataclass
class _Font:
    """What a Type0 Identity-H font tells about its codes: widths and text."""
    widths: dict[int, float]
    default_width: float
    to_unicode: dict[int, str]
    obj: object = None  # the pikepdf font dictionary


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEXTOK = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[|\]")


def _utf16(hexdigits: bytes) -> str:
    raw = bytes.fromhex(re.sub(rb"\s", b"", hexdigits).decode())
    return raw.decode("utf-16-be", "replace")


def _parse_to_unicode(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        tokens = re.findall(rb"<([0-9A-Fa-f\s]*)>", block)
        for src, dst in zip(tokens[0::2], tokens[1::2]):
            mapping[int(re.sub(rb"\s", b"", src) or b"0", 16)] = _utf16(dst)
    for block in _BFRANGE.findall(data):
        tokens = list(_HEXTOK.finditer(block))
        i = 0
        while i + 2 < len(tokens):
            lo = int(tokens[i].group(1), 16)
            hi = int(tokens[i + 1].group(1), 16)
            if tokens[i + 2].group(0) == b"[":
                j = i + 3
                code = lo
                while j < len(tokens) and tokens[j].group(0) != b"]":
                    mapping[code] = _utf16(tokens[j].group(1))
                    code += 1
                    j += 1
                i = j + 1
            else:
                start = _utf16(tokens[i + 2].group(1))
                for offset in range(hi - lo + 1):
                    mapping[lo + offset] = start[:-1] + chr(ord(start[-1]) + offset) if start else ""
                i += 3
    return mapping


def _load_font(font) -> Optional[_Font]:
    import pikepdf

    try:
        if font.get("/Subtype") != pikepdf.Name.Type0 or font.get("/Encoding") != pikepdf.Name("/Identity-H"):
            return None
        descendant = font.DescendantFonts[0]
        widths: dict[int, float] = {}
        w = list(descendant.get("/W", []))
        i = 0
        while i < len(w):
            first = int(w[i])
            if isinstance(w[i + 1], pikepdf.Array):
                for k, value in enumerate(w[i + 1]):
                    widths[first + k] = float(value)
                i += 2
            else:
                for code in range(first, int(w[i + 1]) + 1):
                    widths[code] = float(w[i + 2])
                i += 3
        to_unicode = _parse_to_unicode(font.ToUnicode.read_bytes()) if "/ToUnicode" in font else {}
        return _Font(widths, float(descendant.get("/DW", 1000)), to_unicode, font)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None


# --- the page scan ----------------------------------------------------------------------
def _mul(m, n):
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


_STATE_KEYS = ("font", "tr", "tz", "tc", "tw", "ts")


@dataclass
class _Span:
    """An /ActualText marked-content sequence (Typst: one per cluster that needs it)."""
    text: str
    dict_at: tuple[int, int]       # byte range of its property dictionary
    open_at: int                   # where its BDC operation starts
    end_at: int = -1               # just after its EMC, if that EMC is in the same text object
    shows: list = field(default_factory=list)
    claimed: bool = False          # its text is already given to a cluster


@dataclass(slots=True)
class _Cluster:
    """Text that belongs to one place: the glyphs of an ActualText span, or one glyph."""
    text: str
    x0: float                      # origin and end along the show's baseline, text space
    x1: float
    rise: float
    size: float
    has_width: bool
    along0: float = 0.0            # page space, along and across the writing direction
    along1: float = 0.0
    across: float = 0.0
    direction: tuple = (1.0, 0.0)
    scale: float = 1.0             # page units per text-space unit along the baseline
    dropped: bool = False


@dataclass(slots=True)
class _Show:
    start: int                     # operands start
    end: int                       # after the operator
    font_name: bytes
    size: float
    span: Optional[_Span]
    run: "_Run"
    clusters: list
    state: dict                    # tr, tz, tc, tw, ts as they were
    state_ids: tuple               # which operations set font, Tr, Tz, Tc, Tw, Ts
    tm_version: int
    tlm: tuple
    tm_start: tuple
    pre_at: int                    # start of the text-state operations that lead to it
    pre_ids: tuple                 # state ids and Tm version before those operations
    pre_tm_version: int
    tm_after: tuple = _IDENTITY
    origin_along: float = 0.0
    next_ids: Optional[tuple] = None
    next_tm_version: int = -1


@dataclass
class _Run:
    """Glyphs one text object shows in one font within one marked-content sequence."""
    shows: list = field(default_factory=list)
    khmer: bool = False


class _Unsupported(Exception):
    """Content this stage does not rewrite; the page is kept as it is."""


_PREAMBLE_OPS = {b"Tr", b"Tf", b"Tm", b"Td", b"TD", b"T*", b"Tc", b"Tw", b"Tz", b"Ts", b"TL", b"BDC"}


class _PageScan:
    """Pass 1: interpret a page's text operations; collect runs, shows, clusters, spans."""

    def __init__(self, data: bytes, fonts: dict):
        self.data = data
        self.fonts = fonts
        self.runs: list[_Run] = []
        self.shows: list[_Show] = []
        self.spans: list[_Span] = []
        self.marks: list = []          # marked-content stack: a _Span or a serial number
        self.mark_serial = 0
        self.gs = {"ctm": _IDENTITY, "font": None, "font_id": 0, "size": 0.0, "tl": 0.0,
                   "tr": 0.0, "tr_id": 0, "tz": 100.0, "tz_id": 0, "tc": 0.0, "tc_id": 0,
                   "tw": 0.0, "tw_id": 0, "ts": 0.0, "ts_id": 0}
        self.stack: list[dict] = []
        self.in_bt = False
        self.tm: Optional[tuple] = _IDENTITY
        self.tlm = _IDENTITY
        self.tm_version = 0
        self.run: Optional[_Run] = None
        self.run_key = None
        self.op_serial = 0
        self.previous: Optional[_Show] = None
        self.pre: Optional[tuple] = None   # (offset, state ids, Tm version) of the preamble

    def scan(self) -> None:
        data = self.data
        pos = 0
        handlers = self.HANDLERS
        preamble_ops = _PREAMBLE_OPS
        for m in _OP.finditer(data):
            start, end = m.span()
            if start != pos:
                raise _Unsupported("unparsed bytes")
            pos = end
            op = m.group("op")
            if op is None:
                self._state_triple(m)
                continue
            handler = handlers.get(op)
            if op in preamble_ops:
                if self.pre is None:
                    gs = self.gs
                    self.pre = (m.start("args"), (gs["font_id"], gs["tr_id"], gs["tz_id"], gs["tc_id"],
                                             gs["tw_id"], gs["ts_id"]), self.tm_version)
                self.op_serial += 1
                handler(self, m)
            else:
                if handler is not None:
                    self.op_serial += 1
                    handler(self, m)
                self.pre = None
        if not _TRAILING.match(data, pos):
            raise _Unsupported("unparsed tail")
        self._end_run()

    def _state_triple(self, m):
        """``Tr``, ``Tf`` and ``Tm`` in a row, as the three handlers would take them."""
        gs = self.gs
        if self.pre is None:
            self.pre = (m.start("triple"), (gs["font_id"], gs["tr_id"], gs["tz_id"], gs["tc_id"],
                                            gs["tw_id"], gs["ts_id"]), self.tm_version)
        serial = self.op_serial
        gs["tr"] = float(m.group("tr"))
        gs["tr_id"] = serial + 1
        gs["font"] = m.group("font")
        gs["font_id"] = serial + 2
        gs["size"] = float(m.group("size"))
        self.op_serial = serial + 3
        self.tm = self.tlm = tuple(float(t) for t in m.group("tm").split())
        self.tm_version += 1

    # graphics state
    def op_q(self, m):
        self.stack.append(dict(self.gs))

    def op_Q(self, m):
        self._end_run()
        if self.stack:
            self.gs = self.stack.pop()

    def op_cm(self, m):
        nums = _numbers(m.group("args"))
        if len(nums) == 6:
            self.gs["ctm"] = _mul(tuple(nums), self.gs["ctm"])

    # marked content
    def op_BDC(self, m):
        operands = m.group("args")
        at = _ACTUAL_TEXT.search(operands) if b"/ActualText" in operands else None
        if at and b"/MCID" not in operands:
            d = operands.index(b"<<")
            base = m.start("args")
            span = _Span(_text_string(at.group(1)), (base + d, base + len(operands.rstrip())), base)
            self.spans.append(span)
            self.marks.append(span)
            return
        self._end_run()
        self.pre = None
        self.mark_serial += 1
        self.marks.append(self.mark_serial)

    def op_BMC(self, m):
        self._end_run()
        self.mark_serial += 1
        self.marks.append(self.mark_serial)

    def op_EMC(self, m):
        if not self.marks:
            return
        top = self.marks.pop()
        if isinstance(top, _Span):
            if self.in_bt:
                top.end_at = m.end()
        else:
            self._end_run()

    # text objects and text state
    def op_BT(self, m):
        self.in_bt = True
        self.tm = self.tlm = _IDENTITY
        self.tm_version += 1

    def op_ET(self, m):
        self._end_run()
        self.in_bt = False

    def op_Tf(self, m):
        tokens = m.group("args").split()
        if len(tokens) != 2 or tokens[0][:1] != b"/":
            tokens = _TOKEN.findall(m.group("args"))
        if len(tokens) >= 2 and tokens[0][:1] == b"/":
            self.gs["font"] = tokens[0][1:]
            self.gs["font_id"] = self.op_serial
            self.gs["size"] = float(tokens[1])

    def _set(self, key, m):
        nums = _numbers(m.group("args"))
        if nums:
            self.gs[key] = nums[-1]
            self.gs[key + "_id"] = self.op_serial

    def op_Tr(self, m):
        self._set("tr", m)

    def op_Tz(self, m):
        self._set("tz", m)

    def op_Tc(self, m):
        self._set("tc", m)

    def op_Tw(self, m):
        self._set("tw", m)

    def op_Ts(self, m):
        self._set("ts", m)

    def op_TL(self, m):
        nums = _numbers(m.group("args"))
        if nums:
            self.gs["tl"] = nums[-1]

    def op_Tm(self, m):
        nums = _numbers(m.group("args"))
        if len(nums) == 6:
            self.tm = self.tlm = tuple(nums)
            self.tm_version += 1

    def _move(self, tx, ty):
        self.tm = self.tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), self.tlm)
        self.tm_version += 1

    def op_Td(self, m):
        nums = _numbers(m.group("args"))
        if len(nums) == 2:
            self._move(*nums)

    def op_TD(self, m):
        nums = _numbers(m.group("args"))
        if len(nums) == 2:
            self.gs["tl"] = -nums[1]
            self._move(*nums)

    def op_Tstar(self, m):
        self._move(0.0, -self.gs["tl"])

    def op_quote(self, m):
        self._move(0.0, -self.gs["tl"])
        self._show(m, _TOKEN.findall(m.group("args"))[-1:], wrappable=False)

    def op_dquote(self, m):
        tokens = _TOKEN.findall(m.group("args"))
        if len(tokens) == 3:
            self.gs["tw"], self.gs["tc"] = float(tokens[0]), float(tokens[1])
            self.gs["tw_id"] = self.gs["tc_id"] = self.op_serial
        self._move(0.0, -self.gs["tl"])
        self._show(m, tokens[-1:], wrappable=False)

    def op_Tj(self, m):
        self._show(m, _TOKEN.findall(m.group("args"))[-1:])

    def op_TJ(self, m):
        self._show(m, [t for t in _TOKEN.findall(m.group("args")) if t not in (b"[", b"]")])

    def op_BI(self, m):
        raise _Unsupported("inline image")

    # shows
    def _end_run(self):
        if self.run is not None and self.run.shows:
            self.runs.append(self.run)
        self.run = None
        self.run_key = None

    def _show(self, m, items: list[bytes], wrappable: bool = True):
        gs = self.gs
        state_ids = (gs["font_id"], gs["tr_id"], gs["tz_id"], gs["tc_id"], gs["tw_id"], gs["ts_id"])
        if self.previous is not None:
            self.previous.next_ids = state_ids
            self.previous.next_tm_version = self.tm_version
            self.previous = None
        name = gs["font"]
        font = self.fonts.get(name)
        if not self.in_bt or font is None or self.tm is None or not wrappable:
            # a show we cannot measure: later positions in this text object are unknown
            # until the next absolute move, and nothing here is rewritten
            self._end_run()
            self.tm = None
            return
        span, mark = None, 0
        for top in reversed(self.marks):
            if isinstance(top, _Span):
                if span is None:
                    span = top
            elif not mark:
                mark = top
        key = (id(font), mark)
        if self.run is None or self.run_key != key:
            self._end_run()
            self.run = _Run()
            self.run_key = key
        size = gs["size"]
        th = gs["tz"] / 100.0
        tc = gs["tc"]
        rise = gs["ts"]
        widths, dw, to_unicode = font.widths, font.default_width, font.to_unicode
        x = 0.0
        clusters: list[_Cluster] = []
        current: Optional[_Cluster] = None
        advanced = 0.0  # the current cluster's glyph advances so far
        for item in items:
            if item[:1] not in (b"(", b"<"):
                x -= float(item) / 1000.0 * size * th
                if span is None:
                    current = None
                continue
            for code in _codes(item):
                advance = (widths.get(code, dw) / 1000.0 * size + tc) * th
                if current is not None:
                    # Typst moves a mark with a TJ adjustment and does not move back: the
                    # cluster reaches at least as far as its glyphs' advances add up to
                    advanced += advance
                    current.x1 = max(x + advance, current.x0 + advanced)
                    current.has_width = current.has_width or advance > 1e-6
                else:
                    if span is not None:
                        text = "" if span.claimed else span.text
                        span.claimed = True
                    else:
                        text = to_unicode.get(code, "")
                    cluster = _Cluster(text, x, x + advance, rise, size, advance > 1e-6)
                    clusters.append(cluster)
                    if span is not None:
                        current = cluster
                        advanced = advance
                x += advance
        tm = self.tm
        a, b, c, d, e, f = _mul(tm, gs["ctm"])
        norm = (a * a + b * b) ** 0.5 or 1.0
        ux, uy = a / norm, b / norm
        direction = (round(ux, 3), round(uy, 3))
        for cl in clusters:
            x0, x1, r = cl.x0, cl.x1, cl.rise
            px0, py0 = x0 * a + r * c + e, x0 * b + r * d + f
            cl.along0 = px0 * ux + py0 * uy
            cl.along1 = (x1 * a + r * c + e) * ux + (x1 * b + r * d + f) * uy
            cl.across = -px0 * uy + py0 * ux
            cl.direction = direction
            cl.scale = norm
        ta, tb, tc_, td, te, tf = tm
        tm_after = (ta, tb, tc_, td, x * ta + te, x * tb + tf)  # the pen moved by x along the baseline
        pre_at, pre_ids, pre_version = self.pre or (m.start("args"), state_ids, self.tm_version)
        if span is not None and span.open_at > pre_at:
            pre_at = -1                 # the span opened before its preamble: no room outside it
        show = _Show(m.start("args"), m.end(), name, size, span, self.run, clusters,
                     {"tr": gs["tr"], "tz": gs["tz"], "tc": tc, "tw": gs["tw"], "ts": rise}, state_ids,
                     self.tm_version, self.tlm, tm, pre_at, pre_ids, pre_version)
        show.tm_after = tm_after
        show.origin_along = e * ux + f * uy
        self.run.shows.append(show)
        if span is not None:
            span.shows.append(show)
        if not self.run.khmer:
            self.run.khmer = any(_is_khmer(cl.text) for cl in clusters)
        self.shows.append(show)
        self.previous = show
        self.tm = tm_after

    HANDLERS = {
        b"q": op_q, b"Q": op_Q, b"cm": op_cm, b"BDC": op_BDC, b"BMC": op_BMC, b"EMC": op_EMC,
        b"BT": op_BT, b"ET": op_ET, b"Tf": op_Tf, b"Tr": op_Tr, b"Tz": op_Tz, b"Tc": op_Tc,
        b"Tw": op_Tw, b"Ts": op_Ts, b"TL": op_TL, b"Tm": op_Tm, b"Td": op_Td, b"TD": op_TD,
        b"T*": op_Tstar, b"'": op_quote, b'"': op_dquote, b"Tj": op_Tj, b"TJ": op_TJ, b"BI": op_BI,
    }


def _has_base(text: str) -> bool:
    return any(not unicodedata.category(ch).startswith("M") for ch in text)


def _cover(kept: _Cluster, piece: _Cluster) -> None:
    """Let ``kept`` (its text) reach over the place of a piece of it that was dropped."""
    lo, hi = min(piece.along0, piece.along1), max(piece.along0, piece.along1)
    if hi > kept.along1:
        kept.along1 = hi
    if lo < kept.along0:
        kept.along0 = lo


def _drop_repeated_pieces(shows: list[_Show]) -> None:
    """A cluster drawn in pieces gives each piece its text: keep it once.

    Typst draws glyphs raised or lowered (marks) as text runs of their own, and every
    piece of a cluster carries the cluster's whole text again (as ActualText, or as the
    glyph's ToUnicode entry). A piece is recognised by having the text of the cluster just
    before it (or a part of it that has a base letter), close to it on the same line, and
    by having no width of its own or sitting off the baseline; once a cluster has shown such
    a piece, the next piece with its text (a spacing vowel sign drawn after the mark) is one
    too. Repeated text that is really there lies beside, on the same baseline, with width.
    """
    recent: list[_Cluster] = []
    split: Optional[_Cluster] = None    # the last cluster known to be drawn in pieces
    for show in shows:
        for c in show.clusters:
            if not c.text:
                continue
            if c.text.isspace():
                # a piece never follows a space: the same text after one is a new word
                recent.clear()
                split = None
                continue
            dropped = False
            for p in reversed(recent[-3:]):
                if p.direction != c.direction:
                    continue
                size = max(p.size, c.size)
                shift = abs(p.across - c.across)
                if shift > 0.6 * size:
                    continue
                p_lo, p_hi = sorted((p.along0, p.along1))
                c_lo, c_hi = sorted((c.along0, c.along1))
                near = p_lo - 0.6 * size <= c_lo <= p_hi + 0.6 * size
                if not near:
                    continue
                c_piece = not c.has_width or shift > 0.01
                p_piece = not p.has_width or shift > 0.01
                if c_piece and c.text in p.text and _has_base(c.text):
                    c.dropped = dropped = True
                    split = p
                    _cover(p, c)
                elif p is split and c.text == p.text:
                    c.dropped = dropped = True
                    _cover(p, c)
                elif p_piece and p is recent[-1] and p.text in c.text and _has_base(p.text):
                    p.dropped = True
                    recent.remove(p)
                    split = c
                    _cover(c, p)
                elif c.text == p.text and p_lo - 0.05 * size <= c_lo and c_hi <= p_hi + 0.05 * size:
                    c.dropped = dropped = True
                if p.dropped or dropped:
                    break
            if not dropped:
                if split is not None and split is not c and c.text != split.text:
                    split = None
                recent.append(c)
                if len(recent) > 8:
                    del recent[0]


def _close_gaps(shows: list[_Show]) -> None:
    """Let each cluster's text reach to where the next one starts on its line.

    Typst moves a mark left with a TJ adjustment before it but places the next glyph at the
    cluster's full advance, so the pen after a cluster can stop short of the next one; a
    gap of that size between invisible glyphs reads as a space to poppler and pdfium. Real
    spaces are glyphs of their own, and columns are further apart than half an em.
    """
    previous: Optional[_Cluster] = None
    for show in shows:
        for c in show.clusters:
            if c.dropped:
                continue
            if previous is not None and previous.direction == c.direction:
                size = max(previous.size, c.size)
                gap = c.along0 - previous.along1
                if 0 < gap <= 0.5 * size and abs(previous.across - c.across) < 0.1 * size:
                    previous.along1 = c.along0
            previous = c


def khmer_run_text(pdf: bytes) -> list[list[str]]:
    """The text each Khmer run would get, per page (for tests and diagnostics)."""
    import pikepdf

    pages = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        fonts: dict = {}
        for page in doc.pages:
            scan = _scan_page(page, fonts)
            if scan is None:
                pages.append([])
                continue
            _drop_repeated_pieces(scan.shows)
            pages.append(["".join(c.text for s in r.shows for c in s.clusters if not c.dropped)
                          for r in scan.runs if r.khmer])
    return pages


def _page_fonts(page, cache: dict) -> dict:
    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if resources is not None else None
    out = {}
    if fonts is None:
        return out
    for name, font in fonts.items():
        key = font.objgen if font.is_indirect else id(font)
        if key not in cache:
            cache[key] = _load_font(font)
        out[name[1:].encode("latin-1")] = cache[key]
    return out


def _content_bytes(page) -> bytes:
    import pikepdf

    contents = page.obj.get("/Contents")
    if contents is None:
        return b""
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(c.read_bytes() for c in contents)
    return contents.read_bytes()


def _scan_page(page, font_cache: dict) -> Optional[_PageScan]:
    fonts = _page_fonts(page, font_cache)
    if not fonts:
        return None
    scan = _PageScan(_content_bytes(page), fonts)
    try:
        scan.scan()
    except (_Unsupported, ValueError, struct.error, IndexError):
        return None
    return scan


# --- pass 2: the rewrite ----------------------------------------------------------------
@lru_cache(maxsize=1 << 14)
def _num(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("-0", "") else "0").encode()


# Non-spacing marks advance 0.4 em in the glyphless font (letters 1 em). MuPDF gives a
# mark no advance whatever the font says, so the pen it follows fell behind by each
# mark's width and it read the gap to the next letter or run as a new line (a word cut
# in two); with no advance at all, poppler's reading order (by position) puts a mark
# after the next letter. 0.4 em keeps both: measured over NAP km, ToR km, NAP en-km.
MARK_ADVANCE = 400


class _InvisibleFont:
    """The document's glyphless font: codes are UTF-16 code units (BMP), or codes of
    their own for characters beyond it, mapped back by the ToUnicode it gets at the end."""

    def __init__(self, pdf):
        import pikepdf

        self.pdf = pdf
        self.codes: dict[str, int] = {}
        self.next_private = 0xD800          # surrogate values never stand for a BMP char
        self.marks: set[int] = set()        # codes of non-spacing marks: MARK_ADVANCE
        self.encoded: dict[str, tuple[bytes, int]] = {}   # a word recurs: its codes are fixed
        descriptor = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/" + _glyphless.FONT_NAME),
            Flags=5, FontBBox=[0, _glyphless.DESCENT, _glyphless.ADVANCE, _glyphless.ASCENT],
            ItalicAngle=0, Ascent=_glyphless.ASCENT, Descent=_glyphless.DESCENT,
            CapHeight=_glyphless.ASCENT, StemV=80,
            FontFile2=pdf.make_stream(_glyphless.glyphless_truetype())))
        self.cid_font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/" + _glyphless.FONT_NAME),
            CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                             Ordering=pikepdf.String("Identity"), Supplement=0),
            FontDescriptor=descriptor, DW=_glyphless.ADVANCE))
        self.font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/" + _glyphless.FONT_NAME), Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[self.cid_font]))

    def encode(self, text: str) -> tuple[bytes, int]:
        """Hex digits of the codes for ``text`` and their advance, in thousandths of an em."""
        done = self.encoded.get(text)
        if done is None:
            done = self.encoded[text] = self._encode(text)
        return done

    def _encode(self, text: str) -> tuple[bytes, int]:
        out = []
        advance = 0
        codes = self.codes
        for ch in text:
            code = codes.get(ch)
            if code is None:
                cp = ord(ch)
                if cp < 0x10000 and not 0xD800 <= cp < 0xE000:
                    code = cp
                else:
                    code = self.next_private
                    self.next_private += 1
                codes[ch] = code
            out.append(code)
            if unicodedata.category(ch) in ("Mn", "Me"):
                self.marks.add(code)
                advance += MARK_ADVANCE
            else:
                advance += _glyphless.ADVANCE
        return b"".join(b"%04X" % c for c in out), advance

    def finish(self) -> None:
        import pikepdf

        pairs = sorted((code, ch) for ch, code in self.codes.items())
        lines = []
        for i in range(0, len(pairs), 100):
            chunk = pairs[i:i + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines += [f"<{code:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for code, ch in chunk]
            lines.append("endbfchar")
        cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                + "\n".join(lines) + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
        self.font.ToUnicode = self.pdf.make_stream(cmap.encode("ascii"))
        widths = []
        for code in sorted(self.marks):
            widths += [code, [MARK_ADVANCE]]
        if widths:
            self.cid_font.W = pikepdf.Array(widths)
        top = max([code for code, _ in pairs] + [0])
        self.cid_font.CIDToGIDMap = self.pdf.make_stream(b"\x00\x01" * (top + 1))


def _silent_twin(pdf, font, cache: dict):
    """The same font (program, widths, encoding) with every code mapped to U+0000."""
    import pikepdf

    key = font.obj.objgen
    if key not in cache:
        top = max(list(font.widths) + list(font.to_unicode) + [0])
        lines = []
        for start in range(0, top + 1, 100):
            stop = min(start + 100, top + 1)
            lines.append(f"{stop - start} beginbfchar")
            lines += [f"<{code:04X}> <0000>" for code in range(start, stop)]
            lines.append("endbfchar")
        cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                + "\n".join(lines) + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
        twin = pikepdf.Dictionary({k: v for k, v in font.obj.items() if k != "/ToUnicode"})
        twin.ToUnicode = pdf.make_stream(cmap.encode("ascii"))
        cache[key] = pdf.make_indirect(twin)
    return cache[key]


def _free_name(taken: set, base: str) -> bytes:
    name, n = base, 0
    while name.encode() in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name.encode())
    return name.encode()


def _run_text(run: _Run) -> str:
    # U+200B is how the Typst source marks where a Khmer line may break: not text a
    # reader copies or searches for (it would split the word a search looks for)
    return "".join(c.text for show in run.shows for c in show.clusters if not c.dropped).replace("\u200b", "")


def _invisible_text(run: _Run, text: str, font_name: bytes, invisible: _InvisibleFont) -> bytes:
    """The run's text once, in the glyphless font, from the run's origin to its end."""
    first = run.shows[0]
    reach = max([c.along1 for show in run.shows for c in show.clusters] + [first.origin_along])
    scale = next((c.scale for show in run.shows for c in show.clusters), 1.0)
    width = (reach - first.origin_along) / scale
    hexdigits, advance = invisible.encode(text)
    size = first.size
    tz = 100.0 * width / (advance / 1000.0 * size) if size and advance else 100.0
    return (b"3 Tr /" + font_name + b" " + _num(size) + b" Tf " + b" ".join(_num(v) for v in first.tm_start)
            + b" Tm " + _num(round(max(tz, 0.01), 3)) + b" Tz <" + hexdigits + b">Tj")


def _restore(show: _Show, ids_before: tuple, version_before: int, tm: tuple) -> bytes:
    """Text state that ``show`` takes from before the invisible copy, put back after it."""
    same = {k for k, a, b in zip(_STATE_KEYS, ids_before, show.state_ids) if a == b}
    out = []
    if "tr" in same:
        out.append(_num(show.state["tr"]) + b" Tr")
    if "font" in same:
        out.append(b"/" + show.font_name + b" " + _num(show.size) + b" Tf")
    if "tz" in same:
        out.append(_num(show.state["tz"]) + b" Tz")
    for key, op in (("tc", b"Tc"), ("tw", b"Tw"), ("ts", b"Ts")):
        if key in same and show.state[key]:
            out.append(_num(show.state[key]) + b" " + op)
    if version_before == show.tm_version:
        # the show continues from the text matrix of before: line matrix, then the pen
        out.append(b" ".join(_num(v) for v in show.tlm) + b" Tm")
        a, b, _, _, e, f = show.tlm
        scale = a * a + b * b
        dx = ((tm[4] - e) * a + (tm[5] - f) * b) / scale if scale else 0.0
        step = show.size * show.state["tz"] / 100.0
        if abs(dx) > 1e-6 and step:
            out.append(b"[" + _num(-dx * 1000.0 / step) + b"]TJ")
    return b" ".join(out)


# A silenced glyph sits in two spans. The outer one's ActualText is U+0000: poppler reads
# that (nothing), and pdfium skips a text object whose ActualText is unprintable but
# encodable in its font (the twin maps every code to U+0000). MuPDF reads the innermost
# span instead, which would give it a NUL: the inner span's ActualText is not a string,
# which MuPDF reads as empty and poppler and pdfium pass over. (The PDF standard wants a
# text string there, and validators flag the name; the valid ones fail an extractor: an
# empty string, () or <FEFF>, makes pdfium give a U+FFFE per glyph, and U+0000 gives MuPDF
# a NUL per glyph. The structure tree and MCIDs are not touched either way.)
_SILENT_OPEN = b"/Span<</ActualText<FEFF0000>>>BDC /Span<</ActualText/None>>BDC "
_SILENT_INNER = b"/Span<</ActualText/None>>BDC "


_EDIT_ORDER = operator.itemgetter(0, 1)


def _rewrite_page(data: bytes, scan: _PageScan, names: dict, invisible: _InvisibleFont) -> bytes:
    """Pass 2: Khmer runs silenced, their text laid over them once in invisible glyphs."""
    runs = [r for r in scan.runs if r.khmer and r.shows[0].pre_at >= 0]
    if not runs:
        return data
    edits: list[tuple[int, int, int, bytes]] = []   # (start, order, end, bytes)
    spans_done: set[int] = set()
    for run in runs:
        text = _run_text(run)
        first = run.shows[0]
        if text:
            layer = _invisible_text(run, text, names[None], invisible)
            restore = _restore(first, first.pre_ids, first.pre_tm_version, first.tm_start)
            edits.append((first.pre_at, -1, first.pre_at, b" " + layer + b" " + restore + b" "))
        for show in run.shows:
            twin = b"/" + names[show.font_name] + b" " + _num(show.size) + b" Tf "
            span = show.span
            if span is not None and all(s.run.khmer for s in span.shows):
                if id(span) not in spans_done:
                    spans_done.add(id(span))
                    a, b = span.dict_at
                    edits.append((a, 0, b, b"<</ActualText<FEFF0000>>>"))
                edits.append((show.start, 1, show.start, _SILENT_INNER + twin))
            else:
                edits.append((show.start, 1, show.start, _SILENT_OPEN + twin))
                edits.append((show.end, 0, show.end, b" EMC"))
            edits.append((show.end, 0, show.end, b" EMC"))
        last = run.shows[-1]
        if last.next_ids is not None:
            after = _restore(last, last.next_ids, last.next_tm_version, last.tm_after)
            if after:
                at = last.span.end_at if last.span is not None and last.span.end_at > 0 else last.end
                edits.append((at, 2, at, b" " + after + b"\n"))
    edits.sort(key=_EDIT_ORDER)
    out = []
    pos = 0
    for start, _, stop, text in edits:
        if start < pos:
            start = pos
        out.append(data[pos:start])
        out.append(text)
        pos = max(pos, stop)
    out.append(data[pos:])
    return b"".join(out)


def fix_khmer_text(pdf: bytes) -> bytes:
    """``pdf`` with the text of every Khmer run extractable as it reads (see the module
    docstring); the pages look exactly as before. A PDF without Khmer comes back as is."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        font_cache: dict = {}
        pages = [(page, _page_fonts(page, font_cache)) for page in doc.pages]
        if not any(font is not None and any(_KHMER.search(t) for t in font.to_unicode.values())
                   for font in font_cache.values()):
            return pdf
        twins: dict = {}
        invisible: Optional[_InvisibleFont] = None
        changed = False
        for page, fonts in pages:
            if not fonts:
                continue
            scan = _PageScan(_content_bytes(page), fonts)
            try:
                scan.scan()
            except (_Unsupported, ValueError, struct.error, IndexError):
                continue
            if not any(r.khmer for r in scan.runs):
                continue
            _drop_repeated_pieces(scan.shows)
            _close_gaps(scan.shows)
            if invisible is None:
                invisible = _InvisibleFont(doc)
            resources = page.obj.Resources.Font
            taken = {k[1:].encode("latin-1") for k in resources.keys()}
            names: dict = {None: _free_name(taken, "dgInvisible")}
            resources["/" + names[None].decode()] = invisible.font
            for name, font in fonts.items():
                if font is not None:
                    names[name] = _free_name(taken, name.decode("latin-1") + "dgSilent")
                    resources["/" + names[name].decode()] = _silent_twin(doc, font, twins)
            content = _rewrite_page(scan.data, scan, names, invisible)
            if content is scan.data:
                continue
            page.obj.Contents = doc.make_stream(content)
            changed = True
        if not changed:
            return pdf
        invisible.finish()
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()
