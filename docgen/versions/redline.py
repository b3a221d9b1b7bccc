"""The redline: NEW's document structure with the changes since OLD as Word tracked changes.

Produced from the data, not by comparing two DOCX files: the Markdown body walks the
union of both versions (sections, then pillars > strategic outcomes > ASEAN outputs >
actions > indicators); every text that differs is diffed word by word (Khmer split
into words with khmercut) and written as ``[...]{.insertion}``/``[...]{.deletion}``
spans, which pandoc turns into ``w:ins``/``w:del``. An action that moved is deleted at
its old place and inserted at its new one, so accepting every change gives NEW and
rejecting every change gives OLD. After pandoc, paragraphs made only of inserted
(deleted) text get an inserted (deleted) paragraph mark, so Word removes them
entirely on reject (accept), and every revision gets its own ``w:id``.
"""
from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Literal, Optional, Sequence

from ..diagnostics import DocgenError
from ..markdown.escape import md_id, md_inline
from ..model.bundle import Plan
from ..model.common import Text
from .changes import figure_value
from .textdiff import diff_tokens

Mode = Literal["both", "old", "new"]
# A private-use character standing for a space at the edge of a tracked change.
EDGE_SPACE = "\ue000"

# The redline's own labels; the rest are the document's (docgen/i18n_labels.yaml), see _labels.
_LABELS = {
    "en": {"sections": "Narrative", "output": "ASEAN RPA-WPS output",
           "title": "Tracked changes from version {old} ({old_date}) to version {new} ({new_date})",
           "note": "Accept all changes to obtain version {new}; reject all changes to obtain version {old}."},
    "km": {"sections": "សេចក្តីពិពណ៌នា", "output": "លទ្ធផល RPA-WPS អាស៊ាន",
           "title": "ការកែប្រែពីកំណែ {old} ({old_date}) ទៅកំណែ {new} ({new_date})",
           "note": "ទទួលយកការកែប្រែទាំងអស់ដើម្បីបានកំណែ {new}។ បដិសេធការកែប្រែទាំងអស់ដើម្បីបានកំណែ {old}។"},
}
# redline key -> i18n_labels.yaml key
_SHARED_LABELS = {"actions": "actions", "pillar": "pillar", "outcome": "strategic_outcome", "lead": "lead",
                  "partners": "partners", "outputs": "asean_outputs", "timeframe": "timeframe",
                  "baseline": "baseline", "target": "target", "indicators": "indicators"}


def _labels(lang: str) -> dict[str, str]:
    from ..i18n import label

    return {**{k: label(key, lang) for k, key in _SHARED_LABELS.items()}, **_LABELS[lang]}


def secretariat_author(plan: Plan) -> str:
    inst = plan.institution.get(plan.metadata.issuing_ministry)
    acronym = inst.acronym.en if inst else plan.metadata.issuing_ministry
    return f"NAP-WPS Secretariat ({acronym})"


def _attr(value: str) -> str:
    return re.sub(r'["\\\n\r{}]', "", value)


def _esc(text: str) -> str:
    """md_inline, but a leading/trailing space stays (word diffs cut next to spaces)."""
    if not text:
        return ""
    text = text.replace(EDGE_SPACE, "\ufffd")
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() and text.strip() else ""
    return lead + md_inline(text) + trail


class Writer:
    """Renders text pieces as unchanged, inserted or deleted Markdown."""

    def __init__(self, author: str, date: dt.date):
        self.attrs = f'author="{_attr(author)}" date="{date.isoformat()}T00:00:00Z"'

    def span(self, kind: str, markdown: str) -> str:
        if not markdown.strip():
            return markdown
        # Pandoc's Markdown reader trims spaces at the edges of a span; keep them as a
        # placeholder that mark_revision_paragraphs turns back into a space in the DOCX.
        m = re.fullmatch(r"( *)(.*?)( *)", markdown, re.S)
        markdown = EDGE_SPACE * bool(m.group(1)) + m.group(2) + EDGE_SPACE * bool(m.group(3))
        return f"[{markdown}]{{.{kind} {self.attrs}}}"

    def lit(self, markdown: str, mode: Mode) -> str:
        """Template text (labels, punctuation), already Markdown: present in one or both versions."""
        if mode == "both":
            return markdown
        return self.span("insertion" if mode == "new" else "deletion", markdown)

    def text(self, old: Optional[str], new: Optional[str], mode: Mode = "both") -> str:
        """A data text in OLD and/or NEW, diffed word by word."""
        if mode == "old" or new is None:
            return self.lit(_esc(old or ""), "old") if old else ""
        if mode == "new" or old is None:
            return self.lit(_esc(new or ""), "new") if new else ""
        out = []
        for op, piece in diff_tokens(old, new):
            if op == "equal":
                out.append(_esc(piece))
            else:
                out.append(self.span("insertion" if op == "insert" else "deletion", _esc(piece)))
        return "".join(out)


def merge_order(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """Union of two orderings: NEW's order, with OLD-only items where they stood."""
    out: list[str] = []
    sm = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            out += new[j1:j2]
        else:
            out += [x for x in old[i1:i2] if x not in new]
            out += [x for x in new[j1:j2] if x not in out]
    return list(dict.fromkeys(out))


def _get(t: Optional[Text], lang: str) -> Optional[str]:
    return t.get(lang) if t is not None else None


class RedlineBuilder:
    def __init__(self, old: Plan, new: Plan, lang: str):
        self.old, self.new, self.lang = old, new, lang
        self.w = Writer(secretariat_author(new), new.metadata.date)
        self.L = _labels(lang)
        self.lines: list[str] = []

    # -- helpers --------------------------------------------------------------
    def mode(self, in_old: bool, in_new: bool) -> Mode:
        return "both" if in_old and in_new else ("old" if in_old else "new")

    def pair(self, o, n, fn: Callable) -> tuple[Optional[str], Optional[str]]:
        return (fn(o) if o is not None else None, fn(n) if n is not None else None)

    def num(self, s: Optional[str]) -> Optional[str]:
        if s is None or self.lang != "km":
            return s
        from ..i18n import digits
        return digits(s, "km")

    def inst(self, plan: Plan, ids: Iterable[str]) -> str:
        names = []
        for i in ids:
            rec = plan.institution.get(i)
            names.append(rec.acronym.get(self.lang) if rec else i)
        return ", ".join(names)

    def para(self, text: str) -> None:
        if text.strip():
            self.lines += [text, ""]

    # -- structure ------------------------------------------------------------
    def build(self, header: bool = True) -> str:
        o, n = self.old.metadata, self.new.metadata
        if header:
            from ..i18n import format_date
            fmt = dict(old=o.version, new=n.version, old_date=format_date(o.date, self.lang),
                       new_date=format_date(n.date, self.lang))
            self.para(f"**{md_inline(n.title.get(self.lang))}**")
            self.para(md_inline(self.L["title"].format(**fmt)))
            self.para(f"*{md_inline(self.L['note'].format(**fmt))}*")
        self.sections()
        self.actions()
        body = "\n".join(self.lines).rstrip() + "\n"
        if self.lang == "km":
            body = "::: {lang=km}\n" + body + ":::\n"
        return body

    def sections(self) -> None:
        o, n = self.old.section, self.new.section
        ids = merge_order([s.id for s in self.old.sections], [s.id for s in self.new.sections])
        for sid in ids:
            a, b = o.get(sid), n.get(sid)
            m = self.mode(a is not None, b is not None)
            attr = f" {{#{md_id(sid)}}}" if b is not None else ""
            ta, tb = self.pair(a, b, lambda s: s.title.get(self.lang))
            self.lines += [f"# {self.w.text(ta, tb, m)}{attr}", ""]
            pa = [p.get(self.lang) for p in a.paragraphs] if a else []
            pb = [p.get(self.lang) for p in b.paragraphs] if b else []
            self.paragraphs(pa, pb)

    def paragraphs(self, pa: list[str], pb: list[str]) -> None:
        sm = difflib.SequenceMatcher(None, pa, pb, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                for p in pb[j1:j2]:
                    self.para(self.w.text(p, p))
            elif tag == "replace" and i2 - i1 == j2 - j1:
                for x, y in zip(pa[i1:i2], pb[j1:j2]):
                    self.para(self.w.text(x, y))
            else:
                for x in pa[i1:i2]:
                    self.para(self.w.text(x, None, "old"))
                for y in pb[j1:j2]:
                    self.para(self.w.text(None, y, "new"))

    def _placement(self, plan: Plan) -> dict[str, list]:
        """output ID -> actions listed under it (each action under its first output)."""
        out: dict[str, list] = {}
        for a in plan.actions:
            out.setdefault(a.asean_outputs[0], []).append(a)
        return out

    def actions(self) -> None:
        w, L = self.w, self.L
        old_place, new_place = self._placement(self.old), self._placement(self.new)
        self.lines += [f"# {md_inline(L['actions'])}", ""]
        pil = merge_order([p.id for p in sorted(self.old.pillars, key=lambda p: p.number)],
                          [p.id for p in sorted(self.new.pillars, key=lambda p: p.number)])
        for pid in pil:
            a, b = self.old.pillar.get(pid), self.new.pillar.get(pid)
            if not self._has_actions(pid, old_place, new_place):
                continue
            m = self.mode(a is not None, b is not None)
            na, nb = self.pair(a, b, lambda p: f"{p.number}: {p.name.get(self.lang)}")
            self.lines += [f"## {w.lit(md_inline(L['pillar']) + ' ', m)}{w.text(self.num(na), self.num(nb), m)}", ""]
            oc_ids = merge_order([x.id for x in self.old.outcomes if x.pillar == pid],
                                 [x.id for x in self.new.outcomes if x.pillar == pid])
            for oid in oc_ids:
                self.outcome(oid, old_place, new_place)

    def _has_actions(self, pid: str, old_place: dict, new_place: dict) -> bool:
        return any(a.pillar == pid for a in self.old.actions) or any(a.pillar == pid for a in self.new.actions)

    def outcome(self, oid: str, old_place: dict, new_place: dict) -> None:
        w, L = self.w, self.L
        a, b = self.old.outcome.get(oid), self.new.outcome.get(oid)
        out_ids = merge_order([x.id for x in self.old.outputs if x.outcome == oid],
                              [x.id for x in self.new.outputs if x.outcome == oid])
        out_ids = [x for x in out_ids if old_place.get(x) or new_place.get(x)]
        if not out_ids:
            return
        m = self.mode(a is not None and bool(any(old_place.get(x) for x in out_ids)),
                      b is not None and bool(any(new_place.get(x) for x in out_ids)))
        ta, tb = self.pair(a, b, lambda x: f"{x.id}: {x.text.get(self.lang)}")
        self.lines += [f"### {w.lit(md_inline(L['outcome']) + ' ', m)}{w.text(self.num(ta), self.num(tb), m)}", ""]
        for xid in out_ids:
            xa, xb = self.old.output.get(xid), self.new.output.get(xid)
            acts_a, acts_b = old_place.get(xid, []), new_place.get(xid, [])
            m = self.mode(bool(acts_a) and xa is not None, bool(acts_b) and xb is not None)
            ta, tb = self.pair(xa, xb, lambda x: f"{x.id}: {x.text.get(self.lang)}")
            self.lines += [f"#### {w.lit(md_inline(L['output']) + ' ', m)}{w.text(self.num(ta), self.num(tb), m)}", ""]
            ids = merge_order([x.id for x in acts_a], [x.id for x in acts_b])
            in_a = {x.id: x for x in acts_a}
            in_b = {x.id: x for x in acts_b}
            for aid in ids:
                self.action(in_a.get(aid), in_b.get(aid))

    def action(self, a, b) -> None:
        """One action; a is OLD's version if it stood here in OLD, b NEW's if it stands here in NEW."""
        w, L, lang = self.w, self.L, self.lang
        m = self.mode(a is not None, b is not None)
        ident = (b or a).id
        # A moved action's old copy carries no bookmark: the ID belongs to its new place.
        attr = f"{{#{md_id(ident)} .action}}" if b is not None else "{.action}"
        self.lines += [f"::: {attr}", ""]
        self.para(f"{w.lit('**' + md_inline(ident) + '** ', m) if m != 'both' else '**' + md_inline(ident) + '** '}"
                  f"{w.text(_get(a.text if a else None, lang), _get(b.text if b else None, lang), m)}")
        la, lb = self.pair(a, b, lambda x: self.inst(self.old if x is a else self.new, x.lead))
        pa, pb = self.pair(a, b, lambda x: self.inst(self.old if x is a else self.new, x.partners))
        line = f"{w.lit('*' + md_inline(L['lead']) + ':* ', m)}{w.text(la, lb, m)}"
        if pa or pb:
            pm = self.mode(bool(pa), bool(pb)) if m == "both" else m
            line += w.lit("; *" + md_inline(L["partners"]) + ":* ", pm) + w.text(pa or None, pb or None, pm)
        self.para(line)
        oa, ob = self.pair(a, b, lambda x: ", ".join(x.asean_outputs))
        line = f"{w.lit('*' + md_inline(L['outputs']) + ':* ', m)}{w.text(self.num(oa), self.num(ob), m)}"
        ta, tb = self.pair(a, b, lambda x: f"{x.timeframe.start}–{x.timeframe.end}" if x.timeframe else "")
        if ta or tb:
            tm = self.mode(bool(ta), bool(tb)) if m == "both" else m
            line += w.lit("; *" + md_inline(L["timeframe"]) + ":* ", tm) + w.text(self.num(ta) or None,
                                                                                   self.num(tb) or None, tm)
        self.para(line)
        ind_a = {i.id: i for i in (a.indicators if a else [])}
        ind_b = {i.id: i for i in (b.indicators if b else [])}
        order = merge_order(list(ind_a), list(ind_b))
        if order:
            items = []
            for iid in order:
                items.append("- " + self.indicator(ind_a.get(iid), ind_b.get(iid)))
            self.lines += items + [""]
        self.lines += [":::", ""]

    def indicator(self, a, b) -> str:
        w, L = self.w, self.L
        m = self.mode(a is not None, b is not None)
        ident = md_inline((b or a).id)
        out = (f"**{ident}** " if m == "both" else w.lit(f"**{ident}** ", m))
        out += w.text(_get(a.text if a else None, self.lang), _get(b.text if b else None, self.lang), m)
        for part in ("baseline", "target"):
            fa = self.num(figure_value(getattr(a, part))) if a else None
            fb = self.num(figure_value(getattr(b, part))) if b else None
            if fa is None and fb is None:
                continue
            pm = self.mode(fa is not None, fb is not None) if m == "both" else m
            out += w.lit(f"; *{md_inline(L[part])}:* ", pm) + w.text(fa, fb, pm)
        return out


def redline_markdown(old: Plan, new: Plan, lang: str, header: bool = True) -> str:
    if lang not in _LABELS:
        raise DocgenError(f"unknown redline language '{lang}' (en or km)")
    return RedlineBuilder(old, new, lang).build(header=header)


def document_markdown(plan: Plan, lang: str) -> str:
    """The same document without changes (what accepting or rejecting everything gives)."""
    return RedlineBuilder(plan, plan, lang).build(header=False)


# --- DOCX --------------------------------------------------------------------------

def mark_revision_paragraphs(docx: bytes, date: dt.date) -> bytes:
    """Paragraph marks of all-inserted/all-deleted paragraphs; a unique w:id per revision."""
    from ..docx.ooxml import W_NS, child, parse, serialize, w as _w
    from ..docx.zipio import write_zip

    src = zipfile.ZipFile(io.BytesIO(docx))
    parts = {name: src.read(name) for name in src.namelist()}
    root = parse(parts["word/document.xml"])
    ids = [int(x) for x in root.xpath("//w:*/@w:id", namespaces={"w": W_NS}) if str(x).lstrip("-").isdigit()]
    next_id = max(ids, default=0) + 1
    for el in root.iter(_w("ins"), _w("del")):
        if el.getparent().tag == _w("rPr"):
            continue
        el.set(_w("id"), str(next_id))
        next_id += 1
    for t in root.iter(_w("t"), _w("delText")):
        if t.text and EDGE_SPACE in t.text:
            t.text = t.text.replace(EDGE_SPACE, " ")
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    for p in root.iter(_w("p")):
        kinds = set()
        ref = None
        for c in p:
            if c.tag in (_w("ins"), _w("del")):
                kinds.add(c.tag)
                ref = c
            elif c.tag in (_w("pPr"), _w("bookmarkStart"), _w("bookmarkEnd")):
                continue
            elif "".join(c.itertext()).strip() or c.tag != _w("r"):
                kinds.add("other")
        if len(kinds) != 1 or ref is None:
            continue
        ppr = p.find(_w("pPr"))
        if ppr is None:
            ppr = p.makeelement(_w("pPr"), {})
            p.insert(0, ppr)
        rpr = child(ppr, "rPr", replace=False)
        mark = rpr.makeelement(ref.tag, {k: v for k, v in ref.attrib.items()})
        mark.set(_w("id"), str(next_id))
        next_id += 1
        rpr.insert(0, mark)  # w:ins/w:del come first in a paragraph mark's rPr (CT_ParaRPr)
    parts["word/document.xml"] = serialize(root)
    buf = io.BytesIO()
    write_zip(buf, parts, date)
    return buf.getvalue()


def redline_meta(old: Plan, new: Plan, lang: str):
    from ..docmeta import DocMeta
    from ..i18n import header_text, labels
    n = new.metadata
    title = f"{n.short_title.get(lang)} {n.version} vs {old.metadata.version}"
    return DocMeta(doc="redline", lang=lang, title=title, version=n.version, date=n.date,
                   header_text=header_text(n.version, n.date, lang), subtitle=n.title.get(lang),
                   status=n.status, author=secretariat_author(new),
                   subject=f"Tracked changes from {old.metadata.version} to {n.version}",
                   labels=labels(lang), properties={"version": n.version, "compared_with": old.metadata.version})


def write_redline(old: Plan, new: Plan, lang: str, out_path: Path) -> Path:
    """Write the redline DOCX atomically at ``out_path``."""
    from ..docx import docx_bytes
    from ..fsutil import atomic_write_bytes

    docx = docx_bytes(redline_markdown(old, new, lang), redline_meta(old, new, lang))
    out_path = Path(out_path)
    atomic_write_bytes(out_path, mark_revision_paragraphs(docx, new.metadata.date), "redline")
    return out_path
