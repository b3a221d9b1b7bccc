"""Open a DOCX that came back from a reviewer without trusting it.

A returned file may be anything: a PDF renamed .docx, a truncated download, a
zip bomb, XML with a DTD (billion laughs, external entities). Every check here
happens before any XML is parsed; problems raise :class:`UnsafeDocx` with a
message and a hint for the user, never a traceback.
"""
from __future__ import annotations

import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from lxml import etree

MAX_FILE_BYTES = 100 * 1024 * 1024      # the .docx itself
MAX_MEMBERS = 5000
MAX_PART_BYTES = 64 * 1024 * 1024       # one XML part, uncompressed
MAX_TOTAL_BYTES = 400 * 1024 * 1024     # all members, uncompressed (as declared)
MAX_RATIO = 200                         # uncompressed/compressed, for members over 1 MiB
RATIO_FLOOR = 1024 * 1024

NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOC = "/officeDocument"
REL_COMMENTS = "/comments"
REL_COMMENTS_EXT = "/commentsExtended"
REL_STYLES = "/styles"
# The stories besides the body that can hold comments and tracked changes.
REL_STORIES = {"/header": "header", "/footer": "footer", "/footnotes": "footnote", "/endnotes": "endnote"}
REL_CORE = "/core-properties"
REL_CUSTOM = "/custom-properties"


class UnsafeDocx(Exception):
    def __init__(self, message: str, hint: str = "", *, dangerous: bool = False):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.dangerous = dangerous  # an attack, not damage: the whole file is refused


def _sniff(head: bytes) -> Optional[str]:
    if head.startswith(b"%PDF"):
        return "a PDF"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old-style Word .doc or a password-protected file"
    if head.lstrip().startswith(b"{\\rtf"):
        return "an RTF file"
    if head.lstrip()[:5].lower() in (b"<?xml", b"<html", b"<!doc"):
        return "an XML/HTML file"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return None
    try:
        head.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "not a zip archive"


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_blank_text=False)


def _has_dtd(data: bytes) -> bool:
    probe = data[:4096]
    for enc in ("utf-8", "utf-16-le", "utf-16-be"):
        try:
            text = probe.decode(enc, errors="ignore").upper()
        except LookupError:  # pragma: no cover
            continue
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            return True
    return False


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse one XML part: no DTD, no entities, no network, no huge trees."""
    if _has_dtd(data) or b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        raise UnsafeDocx(f"part '{part}' declares a DTD or entities, which a Word file never does "
                         "(it may be an XML entity attack: 'billion laughs' or external entities)",
                         "do not open this file; ask the reviewer to send the document again, saved from Word or LibreOffice",
                         dangerous=True)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeDocx(f"part '{part}' is not well-formed XML ({exc})",
                         "the file is damaged; ask the reviewer to save it again as .docx") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeDocx(f"part '{part}' declares a DTD", "ask the reviewer to send the document again", dangerous=True)
    return root


@dataclass
class DocxParts:
    path: Path
    document: etree._Element
    comments: Optional[etree._Element] = None
    comments_ext: Optional[etree._Element] = None
    styles: Optional[etree._Element] = None
    names: dict[str, str] = field(default_factory=dict)  # which part was read as what
    stories: list[tuple[str, str, etree._Element]] = field(default_factory=list)  # (story, part, root)
    core: Optional[etree._Element] = None
    custom: Optional[etree._Element] = None
    # Parts that could not be read: what the rest holds is still harvested.
    problems: list[str] = field(default_factory=list)

    def custom_properties(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.custom is None:
            return out
        for prop in self.custom:
            name = prop.get("name") if isinstance(prop.tag, str) else None
            if name:
                out[name] = "".join(prop.itertext()).strip()
        return out

    def core_property(self, local: str) -> Optional[str]:
        if self.core is None:
            return None
        for el in self.core:
            if isinstance(el.tag, str) and etree.QName(el).localname == local:
                return (el.text or "").strip() or None
        return None


def _rels(zf: zipfile.ZipFile, infos: dict, source_part: str, every: bool = False):
    """Relationship type suffix -> target part name, for one source part
    (with ``every``: a list of (suffix, name) pairs, all of them in order)."""
    folder, base = posixpath.split(source_part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in infos:
        return {}
    root = parse_xml(_read(zf, infos[rels_name]), rels_name)
    out: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    for rel in root.findall(f"{{{NS_PKG_REL}}}Relationship"):
        rtype = rel.get("Type", "")
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        if target.startswith("/"):
            name = target.lstrip("/")
        else:
            name = posixpath.normpath(posixpath.join(folder, target))
        suffix = rtype[rtype.rfind("/"):] if "/" in rtype else rtype
        out.setdefault(suffix, name)
        pairs.append((suffix, name))
    return pairs if every else out


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise UnsafeDocx(f"part '{info.filename}' is larger than {MAX_PART_BYTES // (1024 * 1024)} MiB uncompressed",
                         "this is not a normal Word document (possibly a zip bomb)", dangerous=True)
    return data


def open_docx(path: Path) -> DocxParts:
    path = Path(path)
    if not path.is_file():
        raise UnsafeDocx("file not found", "check the path")
    size = path.stat().st_size
    if size == 0:
        raise UnsafeDocx("the file is empty", "ask the reviewer to send the document again")
    if size > MAX_FILE_BYTES:
        raise UnsafeDocx(f"the file is {size // (1024 * 1024)} MiB, more than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit",
                         "remove large images from the reviewed copy, or send the comments in a smaller file")
    with open(path, "rb") as fh:
        head = fh.read(16)
    what = _sniff(head)
    if what is not None:
        raise UnsafeDocx(f"not a DOCX file: it is {what}",
                         "open it in Word or LibreOffice and save it as 'Word Document (.docx)'")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeDocx(f"the file is a damaged zip archive ({exc})",
                         "the download or copy may be incomplete; ask the reviewer to send it again") from None
    try:
        with zf:
            infos_list = zf.infolist()
            if len(infos_list) > MAX_MEMBERS:
                raise UnsafeDocx(f"the archive holds {len(infos_list)} files, more than a Word document ever has",
                                 "this is not a normal Word document")
            total = 0
            for info in infos_list:
                if info.flag_bits & 0x1:
                    raise UnsafeDocx("the archive is encrypted", "remove the password and save it again as .docx")
                total += info.file_size
                if info.file_size > RATIO_FLOOR:
                    ratio = info.file_size / max(info.compress_size, 1)
                    if ratio > MAX_RATIO:
                        raise UnsafeDocx(f"member '{info.filename}' expands {ratio:.0f} times "
                                         f"({info.compress_size} -> {info.file_size} bytes): a zip bomb",
                                         "do not open this file; ask the reviewer to send the document again")
                if info.file_size > MAX_PART_BYTES and info.filename.endswith((".xml", ".rels")):
                    raise UnsafeDocx(f"part '{info.filename}' is {info.file_size // (1024 * 1024)} MiB uncompressed",
                                     "this is not a normal Word document (possibly a zip bomb)")
            if total > MAX_TOTAL_BYTES:
                raise UnsafeDocx(f"the archive expands to {total // (1024 * 1024)} MiB, more than the "
                                 f"{MAX_TOTAL_BYTES // (1024 * 1024)} MiB limit (possibly a zip bomb)",
                                 "do not open this file; ask the reviewer to send the document again")
            infos = {i.filename: i for i in infos_list}
            if len(infos) != len(infos_list):
                seen: set[str] = set()
                twice = sorted({i.filename for i in infos_list if i.filename in seen or seen.add(i.filename)})
                raise UnsafeDocx(f"the archive holds {', '.join(repr(n) for n in twice)} more than once, so it is "
                                 "ambiguous which copy is the document (programs differ: some read the first, some "
                                 "the last)", "ask the reviewer to save the document again from Word or LibreOffice")
            if "[Content_Types].xml" not in infos:
                raise UnsafeDocx("the zip archive is not an Office document (no [Content_Types].xml)",
                                 "open it in Word or LibreOffice and save it as 'Word Document (.docx)'")
            main = _rels(zf, infos, "").get(REL_OFFICE_DOC, "word/document.xml")
            if main not in infos:
                raise UnsafeDocx("the archive has no Word document body (word/document.xml)",
                                 "this is not a Word document (an Excel or PowerPoint file?); save the draft as .docx")
            parts = DocxParts(path, etree.Element("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}document"))

            def optional(name: str) -> Optional[etree._Element]:
                """A part besides the body: when it cannot be read, say so and read the rest."""
                if not name or name not in infos:
                    return None
                try:
                    return parse_xml(_read(zf, infos[name]), name)
                except UnsafeDocx as exc:
                    if exc.dangerous:
                        raise
                    parts.problems.append(exc.message)
                    return None
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                    parts.problems.append(f"part '{name}' is damaged in the zip archive ({exc})")
                    return None

            body = optional(main)  # a damaged body still leaves the comments (unanchored) to read
            if body is not None:
                parts.document = body
            else:
                parts.problems[-1] += "; comments are kept but cannot be placed on their actions"
            try:
                rels = _rels(zf, infos, main, every=True)
            except UnsafeDocx as exc:
                parts.problems.append(exc.message + "; only the body was read")
                rels = []
            first = {}
            for suffix, name in rels:
                first.setdefault(suffix, name)
            for suffix, attr in ((REL_COMMENTS, "comments"), (REL_COMMENTS_EXT, "comments_ext"), (REL_STYLES, "styles")):
                root = optional(first.get(suffix, ""))
                if root is not None:
                    setattr(parts, attr, root)
                    parts.names[attr] = first[suffix]
            for suffix, name in rels:
                if suffix in REL_STORIES:
                    root = optional(name)
                    if root is not None:
                        parts.stories.append((REL_STORIES[suffix], name, root))
            try:
                pkg = _rels(zf, infos, "")
            except UnsafeDocx:
                pkg = {}
            parts.core = optional(pkg.get(REL_CORE, "docProps/core.xml"))
            parts.custom = optional(pkg.get(REL_CUSTOM, "docProps/custom.xml"))
            return parts
    except UnsafeDocx:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise UnsafeDocx(f"the zip archive is damaged ({type(exc).__name__}: {exc})",
                         "ask the reviewer to save the document again as .docx") from None
    except zlib.error as exc:
        raise UnsafeDocx(f"the zip archive is damaged ({exc})",
                         "ask the reviewer to save the document again as .docx") from None
