"""Fonts embedded in the DOCX, so Word and LibreOffice show the document's own fonts
on a reviewer's machine that lacks them (ECMA-376 Part 1, 17.8.1).

Each face becomes an obfuscated ``word/fonts/fontN.odttf`` part: the first 32 bytes of
the TrueType file XOR-ed with a key read from the ``w:fontKey`` GUID. The GUID is
derived from the font's bytes, so the same fonts give the same DOCX bytes.

- Latin: Noto Sans (OFL) from the fontpkg-noto-sans package. Word does not embed
  variable fonts, so the four faces (regular, bold, italic, bold italic) are made as
  static instances with fontTools, cut to the Latin, punctuation and symbol ranges, and
  cached on disk.
- Khmer: the Khmer OS fonts of style.yaml (Debian fonts-khmeros), whole, when installed
  and when the document has Khmer text.

A face is embedded only when its OS/2 fsType allows it (installable or editable
embedding); restricted and bitmap-only fonts are left out.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from docgen.fsutil import atomic_write_bytes, user_cache_dir

from .ooxml import CT_NS, R_NS, REL_NS, W_NS, parse, serialize, w

KHMER_OS_DIRS = (Path("/usr/share/fonts/truetype/khmeros"), Path("/usr/share/fonts/truetype/fonts-khmeros"))
FONT_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
ODTTF_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_TABLE_RELS = "word/_rels/fontTable.xml.rels"
KHMER_RANGE = (0x1780, 0x17FF)
# Latin faces: what a reviewer may type in an English text (Greek and Cyrillic included:
# a total's sigma), not the whole Noto Sans.
LATIN_RANGES = ((0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x4FF), (0x1E00, 0x1EFF), (0x2000, 0x206F),
                (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF),
                (0x25A0, 0x25FF), (0xFB00, 0xFB06))
# w:font children that name a face, in schema order.
FACES = ("Regular", "Bold", "Italic", "BoldItalic")
FONT_ORDER = ["altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig",
              "embedRegular", "embedBold", "embedItalic", "embedBoldItalic"]
# fsType bits that forbid embedding the face for editing: restricted (0x2), bitmap only (0x200).
FS_RESTRICTED, FS_BITMAP_ONLY = 0x0002, 0x0200


@dataclass(frozen=True)
class Face:
    family: str
    face: str            # one of FACES
    data: bytes          # the TrueType file


def embeddable(data: bytes) -> bool:
    """True when the font's OS/2 fsType permits embedding it in an editable document."""
    from fontTools.ttLib import TTFont

    try:
        fs_type = TTFont(io.BytesIO(data), lazy=True)["OS/2"].fsType
    except Exception:
        return False
    return not fs_type & (FS_RESTRICTED | FS_BITMAP_ONLY)


def font_key(data: bytes) -> str:
    """The w:fontKey GUID for a face: derived from its bytes (same font, same key)."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 font obfuscation (its own inverse): the GUID's 16 bytes, read from the
    end of its hex string, XOR-ed over the font's first 32 bytes."""
    hexdigits = key.strip("{}").replace("-", "")
    mask = bytes.fromhex(hexdigits)[::-1]
    head = bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


# --------------------------------------------------------------------------- font files
def _cache_dir() -> Path:
    # Made once per machine and user (about 5 s a face), whatever the build folder
    return user_cache_dir("word-fonts")


def _noto_sans_dir() -> Path | None:
    try:
        import fontpkg_noto_sans
    except ImportError:
        return None
    root = Path(getattr(fontpkg_noto_sans, "ROOT", Path(fontpkg_noto_sans.__file__).parent))
    return root / "files" if (root / "files").is_dir() else root


def _instance_path(raw: bytes, weight: int) -> Path:
    import fontTools

    key = hashlib.sha256(raw + f"|{weight}|{LATIN_RANGES}|{fontTools.version}|fixed-timestamp".encode()).hexdigest()[:32]
    return _cache_dir() / f"{key}.ttf"


def _static_instance(source: Path, weight: int, wait: bool = True) -> bytes | None:
    """A static ``weight`` instance of a variable font, cut to LATIN_RANGES (None, unless
    ``wait``, while another process is making it)."""
    raw = source.read_bytes()
    cached = _instance_path(raw, weight)
    if cached.exists():
        return cached.read_bytes()
    # The build's workers all need the faces at once: one makes each, the others wait
    with open(cached.with_suffix(".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return None
        if cached.exists():
            return cached.read_bytes()
        data = _make_static_instance(raw, weight)
        atomic_write_bytes(cached, data, "embedded font cache")
    return data


def _make_static_instance(raw: bytes, weight: int) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    # recalcTimestamp off: the same source gives the same bytes on every machine
    font = TTFont(io.BytesIO(raw), recalcTimestamp=False)
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[u for lo, hi in LATIN_RANGES for u in range(lo, hi + 1)])
    sub.subset(font)
    axes = {a.axisTag for a in font["fvar"].axes} if "fvar" in font else set()
    if axes:
        limits = {"wght": weight} | ({"wdth": 100} if "wdth" in axes else {})
        font = instantiateVariableFont(font, limits, updateFontNames=True)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


_latin_lock = threading.Lock()
_latin: dict[str, tuple[Face, ...]] = {}


def _latin_sources(family: str) -> list[tuple[str, Path, int]]:
    """(face, variable font file, weight) of each of the four faces, if the family is Noto
    Sans from fontpkg-noto-sans."""
    folder = _noto_sans_dir()
    if family != "Noto Sans" or folder is None:
        return []
    upright = sorted(folder.glob("NotoSans[[]*.ttf")) or sorted(folder.glob("NotoSans-Regular*.ttf"))
    italic = sorted(folder.glob("NotoSans-Italic*.ttf"))
    if not upright:
        return []
    return [("Regular", upright[0], 400), ("Bold", upright[0], 700),
            ("Italic", (italic or upright)[0], 400), ("BoldItalic", (italic or upright)[0], 700)]


def latin_faces(family: str) -> tuple[Face, ...]:
    """The four faces of the Latin font, if it is Noto Sans from fontpkg-noto-sans."""
    with _latin_lock:
        if family not in _latin:
            sources = _latin_sources(family)
            # a face another worker is making is taken last, so the workers make them side by side
            made = [_static_instance(source, weight, wait=False) for _, source, weight in sources]
            _latin[family] = tuple(Face(family, face, data or _static_instance(source, weight))
                                   for (face, source, weight), data in zip(sources, made))
        return _latin[family]


def prepare_latin_faces(family: str = "Noto Sans", workers: int = 2) -> None:
    """Make the static faces ahead of the first build, side by side (``make install``
    does: they cost about 5 s each, once per machine)."""
    from concurrent.futures import ProcessPoolExecutor

    sources = _latin_sources(family)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(_static_instance, [s for _, s, _ in sources], [w for _, _, w in sources]):
            pass


def khmer_face(family: str) -> Face | None:
    """A Khmer OS family (e.g. "Khmer OS Siemreap") from Debian's fonts-khmeros."""
    stem = family.replace(" ", "").lower()
    for folder in KHMER_OS_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.ttf")):
            if path.stem.lower() == stem:
                return Face(family, "Regular", path.read_bytes())
    return None


@dataclass(frozen=True)
class Metrics:
    """Vertical metrics of a font, in em."""
    ascender: float      # hhea (or OS/2 typo with USE_TYPO_METRICS) ascender
    descender: float     # positive, below the baseline
    line_gap: float
    cap_height: float

    @property
    def line_height(self) -> float:
        """What LibreOffice calls single line spacing for this font."""
        return self.ascender + self.descender + self.line_gap


def _font_file(family: str) -> bytes | None:
    face = khmer_face(family)
    if face is not None:
        return face.data
    folder = _noto_sans_dir()
    if family == "Noto Sans" and folder is not None:
        files = sorted(folder.glob("NotoSans[[]*.ttf")) or sorted(folder.glob("NotoSans-Regular*.ttf"))
        if files:
            return files[0].read_bytes()
    return None


_metrics_cache: dict[str, Metrics | None] = {}


def font_metrics(family: str) -> Metrics | None:
    """The family's vertical metrics, or None when its file is not available."""
    if family not in _metrics_cache:
        data = _font_file(family)
        metrics = None
        if data is not None:
            from fontTools.ttLib import TTFont

            font = TTFont(io.BytesIO(data), lazy=True)
            upm, os2, hhea = font["head"].unitsPerEm, font["OS/2"], font["hhea"]
            if os2.fsSelection & 0x80:  # USE_TYPO_METRICS
                asc, desc, gap = os2.sTypoAscender, -os2.sTypoDescender, os2.sTypoLineGap
            else:
                asc, desc, gap = hhea.ascent, -hhea.descent, hhea.lineGap
            cap = getattr(os2, "sCapHeight", 0) or 0.7 * upm
            metrics = Metrics(asc / upm, desc / upm, gap / upm, cap / upm)
        _metrics_cache[family] = metrics
    return _metrics_cache[family]


def document_faces(style: dict, has_khmer: bool) -> list[Face]:
    fonts = style["fonts"]
    faces: list[Face] = []
    for family in dict.fromkeys((fonts["latin"]["body"], fonts["latin"]["heading"])):
        faces += latin_faces(family)
    if has_khmer:
        for family in dict.fromkeys((fonts["khmer"]["body"], fonts["khmer"]["heading"])):
            face = khmer_face(family)
            if face is not None:
                faces.append(face)
    return [f for f in faces if embeddable(f.data)]


# --------------------------------------------------------------------------- package parts
def has_khmer(xml: bytes) -> bool:
    import re

    lo, hi = KHMER_RANGE
    return re.search(f"[{chr(lo)}-{chr(hi)}]", xml.decode("utf-8", "ignore")) is not None


def _font_element(fonts_root, family: str):
    for font in fonts_root.findall(w("font")):
        if font.get(w("name")) == family:
            return font
    font = etree.SubElement(fonts_root, w("font"))
    font.set(w("name"), family)
    return font


def _insert_ordered(font, el) -> None:
    name = etree.QName(el).localname
    pos = FONT_ORDER.index(name)
    for i, existing in enumerate(font):
        other = etree.QName(existing).localname
        if other in FONT_ORDER and FONT_ORDER.index(other) > pos:
            font.insert(i, el)
            return
    font.append(el)


def embed_fonts(parts: dict[str, bytes], faces: list[Face]) -> int:
    """Add ``faces`` to the package: odttf parts, fontTable entries and relationships,
    the content type. Returns how many faces were embedded."""
    if not faces:
        return 0
    fonts_root = parse(parts["word/fontTable.xml"])
    rels = parse(parts[FONT_TABLE_RELS]) if FONT_TABLE_RELS in parts else \
        etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
    used_ids = {r.get("Id") for r in rels}
    for n, face in enumerate(faces, start=1):
        key = font_key(face.data)
        target = f"fonts/font{n}.odttf"
        parts[f"word/{target}"] = obfuscate(face.data, key)
        rid = f"rIdDocgenFont{n}"
        if rid not in used_ids:
            rel = etree.SubElement(rels, f"{{{REL_NS}}}Relationship")
            rel.set("Id", rid)
            rel.set("Type", FONT_REL_TYPE)
            rel.set("Target", target)
        font = _font_element(fonts_root, face.family)
        tag = f"embed{face.face}"
        for old in font.findall(w(tag)):
            font.remove(old)
        if font.find(w("family")) is None:
            _insert_ordered(font, etree.Element(w("family")))
            font.find(w("family")).set(w("val"), "swiss")
        if font.find(w("pitch")) is None:
            _insert_ordered(font, etree.Element(w("pitch")))
            font.find(w("pitch")).set(w("val"), "variable")
        embed = etree.Element(w(tag))
        embed.set(f"{{{R_NS}}}id", rid)
        embed.set(w("fontKey"), key)
        _insert_ordered(font, embed)
    parts["word/fontTable.xml"] = serialize(fonts_root)
    parts[FONT_TABLE_RELS] = serialize(rels)
    ct = parse(parts["[Content_Types].xml"])
    if not any(d.get("Extension") == "odttf" for d in ct.findall(f"{{{CT_NS}}}Default")):
        default = etree.Element(f"{{{CT_NS}}}Default")
        default.set("Extension", "odttf")
        default.set("ContentType", ODTTF_TYPE)
        ct.insert(0, default)  # Default elements come before Override ones
        parts["[Content_Types].xml"] = serialize(ct)
    return len(faces)


def embed_fonts_setting(settings) -> None:
    """settings.xml: Word shows (and on saving keeps) the embedded fonts.

    embedSystemFonts (from pandoc's template) is dropped: it would make Word embed
    Calibri, Times New Roman... too when a reviewer saves."""
    for old in settings.findall(w("embedSystemFonts")):
        settings.remove(old)
    if settings.find(w("embedTrueTypeFonts")) is not None:
        return
    el = etree.Element(w("embedTrueTypeFonts"))
    # Schema order: after writeProtection/view/zoom/removePersonalInformation/... and the
    # print options; before saveSubsetFonts and everything after it.
    before = ("writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
              "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
              "printFractionalCharacterWidth", "printFormsData")
    idx = 0
    for i, existing in enumerate(settings):
        if etree.QName(existing).namespace == W_NS and etree.QName(existing).localname in before:
            idx = i + 1
    settings.insert(idx, el)


__all__ = ["Face", "document_faces", "embed_fonts", "embed_fonts_setting", "embeddable",
           "font_key", "has_khmer", "obfuscate"]
