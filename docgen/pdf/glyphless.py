"""A glyphless TrueType font for invisible text layers, built in code (no binary file).

Glyph 1 is all the font has: advance 1000/1000 em and an outline that is a single
line from (0, DESCENT) to (1000, ASCENT). Text that uses it is drawn in render mode 3
(invisible), so the outline is never painted; it is there because pdfium measures a
character's box from its outline and drops text objects whose box has no width, and
a line encloses no area, so even a viewer that ignored render mode 3 would paint nothing.
"""
from __future__ import annotations

import struct
from functools import lru_cache

UNITS_PER_EM = 1000
ADVANCE = 1000
ASCENT = 1000
DESCENT = -300
FONT_NAME = "GlyphLessFont"


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}L", data)) & 0xFFFFFFFF


def _name_table() -> bytes:
    records = [(1, "GlyphLess"), (2, "Regular"), (4, FONT_NAME), (6, FONT_NAME)]
    strings = [text.encode("utf-16-be") for _, text in records]
    header = struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
    body, offset = b"", 0
    for (name_id, _), raw in zip(records, strings):
        header += struct.pack(">HHHHHH", 3, 1, 0x409, name_id, len(raw), offset)
        body += raw
        offset += len(raw)
    return header + body


@lru_cache(maxsize=1)
def glyphless_truetype() -> bytes:
    """The font program (a few hundred bytes, the same bytes every time)."""
    glyph = struct.pack(">hhhhh", 1, 0, DESCENT, ADVANCE, ASCENT)  # one contour and its box
    glyph += struct.pack(">HH", 1, 0)                            # last point 1, no instructions
    glyph += bytes([0x01, 0x01])                                  # two on-curve points, long coords
    glyph += struct.pack(">hh", 0, ADVANCE) + struct.pack(">hh", DESCENT, ASCENT - DESCENT)
    tables = {
        b"cmap": struct.pack(">HHHHL", 0, 1, 3, 1, 12)
        # format 4: U+0020 -> glyph 1, then the closing segment
        + struct.pack(">HHHHHHH", 4, 32, 0, 4, 4, 1, 0)
        + struct.pack(">HH", 0x20, 0xFFFF) + struct.pack(">H", 0)
        + struct.pack(">HH", 0x20, 0xFFFF) + struct.pack(">hh", 1 - 0x20, 1) + struct.pack(">HH", 0, 0),
        b"glyf": glyph,
        b"head": struct.pack(">LLLLHHqqhhhhHHhhh", 0x00010000, 0x00010000, 0, 0x5F0F3CF5, 0x000B,
                             UNITS_PER_EM, 0, 0, 0, DESCENT, ADVANCE, ASCENT, 0, 8, 2, 0, 0),
        b"hhea": struct.pack(">LhhhHhhhhhhhhhhhH", 0x00010000, ASCENT, DESCENT, 0, ADVANCE, 0, 0,
                             ADVANCE, 1, 0, 0, 0, 0, 0, 0, 0, 2),
        b"hmtx": struct.pack(">HhHh", ADVANCE, 0, ADVANCE, 0),
        b"loca": struct.pack(">HHH", 0, 0, len(glyph) // 2),
        b"maxp": struct.pack(">LHHHHHHHHHHHHHH", 0x00010000, 2, 2, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0),
        b"name": _name_table(),
        b"post": struct.pack(">LLhhLLLLL", 0x00030000, 0, -100, 50, 1, 0, 0, 0, 0),
    }
    count = len(tables)
    entry_selector = count.bit_length() - 1
    search_range = 16 << entry_selector
    directory = struct.pack(">LHHHH", 0x00010000, count, search_range, entry_selector, count * 16 - search_range)
    offset = 12 + 16 * count
    records, body = b"", b""
    for tag in sorted(tables):
        data = tables[tag]
        records += struct.pack(">4sLLL", tag, _checksum(data), offset, len(data))
        padded = data + b"\0" * (-len(data) % 4)
        body += padded
        offset += len(padded)
    font = bytearray(directory + records + body)
    head_at = 12 + 16 * count + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in sorted(tables) if t < b"head")
    struct.pack_into(">L", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)
