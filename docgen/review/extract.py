"""Read comments and tracked changes out of a (safely opened) DOCX, anchored to plan IDs.

The document body is walked once, in document order. Every element gets a
position; bookmarks, comment ranges, tracked changes and headings are recorded
at their positions, and each item is then anchored:

1. ``bookmark``: the innermost known bookmark whose range contains the item;
2. ``nearest_bookmark``: a known bookmark starting closer before the item, when
   the containing one is missing or the closer one has collapsed to a point
   (Word and LibreOffice may move or collapse bookmarks when they save);
3. ``heading``: the nearest preceding heading naming a known ID or title, or a
   paragraph starting with an action ID, when it is closer and more specific;
4. ``general``: kept, never dropped.

Every story is read, not only the body: comments and tracked changes in text
boxes, footnotes and endnotes are anchored where their box or note reference
stands in the body; those in headers and footers are general. Word writes a text
box twice (``mc:Choice`` and a ``mc:Fallback`` copy for old readers): the
fallback is dropped before the walk, so nothing is counted twice.

An item's ID comes from what it is (:meth:`FeedbackItem.content_key`), never from
the file's name: the same review re-sent as "... (1).docx" gives the same IDs.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Optional

from lxml import etree

from ..khmer import strip_invisible  # the DOCX writer's Khmer line-break marks
from ..docx.ooxml import w
from ..model.feedback import Anchor, FeedbackItem, Reply, Reviewer
from .known import KnownIds, Target
from .safedocx import DocxParts

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


T, DELTEXT, TAB, BR, CR, P = w("t"), w("delText"), w("tab"), w("br"), w("cr"), w("p")
INS, DEL, MOVE_TO, MOVE_FROM = w("ins"), w("del"), w("moveTo"), w("moveFrom")
BM_START, BM_END = w("bookmarkStart"), w("bookmarkEnd")
CR_START, CR_END, C_REF = w("commentRangeStart"), w("commentRangeEnd"), w("commentReference")
RPR, PPR, TRPR, TCPR = w("rPr"), w("pPr"), w("trPr"), w("tcPr")
TXBX = w("txbxContent")
NOTE_REFS = {w("footnoteReference"): "footnote", w("endnoteReference"): "endnote"}
CHANGE_TAGS = {INS: "insertion", MOVE_TO: "insertion", DEL: "deletion", MOVE_FROM: "deletion"}
RANK = {"action": 5, "output": 4, "outcome": 3, "theme": 3, "section": 2, "pillar": 1}

# LibreOffice before 7.x wrote replies as plain comments starting like this.
# A comment docgen carried into the draft (docgen.review.carry): "[round1 FB_0123456789ab] text".
_CARRIED = re.compile(r"^\[(?P<round>[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}) (?P<id>FB_[0-9a-f]{12})\]\s*")
_LO_REPLY = re.compile(r"^Reply to (.+?) \((.+?)\):\s*", re.S)


@dataclass
class _Bookmark:
    name: str
    target: Target
    start: int
    start_text: int
    end: Optional[int] = None
    end_text: Optional[int] = None

    @property
    def collapsed(self) -> bool:
        return self.end is None or self.end_text == self.start_text


@dataclass
class _Range:
    start: Optional[int] = None
    first_text: Optional[int] = None
    end: Optional[int] = None
    ref: Optional[int] = None
    text: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    open: bool = False
    story: Optional[str] = None
    span: tuple[Optional[int], Optional[int]] = (None, None)  # text elements seen at start, at end


@dataclass
class _Change:
    kind: str
    author: str
    date: Optional[str]
    pos: int
    text: list[str] = field(default_factory=list)
    first_text: Optional[int] = None
    story: Optional[str] = None


@dataclass
class RawComment:
    cid: str
    author: str
    initials: Optional[str]
    date: Optional[str]
    text: str
    para_id: Optional[str]


@dataclass
class Found:
    """What the walk found, before it becomes FeedbackItems."""

    comments: list[tuple[RawComment, _Range]] = field(default_factory=list)
    changes: list[_Change] = field(default_factory=list)


def _text_of(el: etree._Element) -> str:
    out: list[str] = []
    first = True
    for node in el.iter(P, T, TAB, BR, CR):
        if node.tag == P:
            if not first:
                out.append("\n")
            first = False
        elif node.tag == T:
            out.append(strip_invisible(node.text or ""))
        elif node.tag == TAB:
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def _heading_styles(styles: Optional[etree._Element]) -> set[str]:
    ids = {f"Heading{i}" for i in range(1, 10)} | {"Title"}
    if styles is None:
        return ids
    for st in styles.iter(w("style")):
        sid = st.get(w("styleId")) or ""
        name_el = st.find(w("name"))
        name = (name_el.get(w("val")) if name_el is not None else "") or ""
        outline = st.find(f"{w('pPr')}/{w('outlineLvl')}")
        if name.lower().startswith(("heading", "title")) or (outline is not None and outline.get(w("val")) not in (None, "9")):
            ids.add(sid)
    return ids


def _is_heading(p: etree._Element, heading_styles: set[str]) -> bool:
    ppr = p.find(PPR)
    if ppr is None:
        return False
    style = ppr.find(w("pStyle"))
    if style is not None and style.get(w("val")) in heading_styles:
        return True
    lvl = ppr.find(w("outlineLvl"))
    return lvl is not None and lvl.get(w("val")) not in (None, "9")


def _comments(parts: DocxParts) -> dict[str, RawComment]:
    out: dict[str, RawComment] = {}
    if parts.comments is None:
        return out
    for c in parts.comments.iter(w("comment")):
        cid = c.get(w("id"))
        if cid is None:
            continue
        paras = c.findall(f".//{P}")
        para_id = paras[-1].get(f"{{{W14}}}paraId") if paras else None
        out[cid] = RawComment(cid, c.get(w("author")) or "", c.get(w("initials")), c.get(w("date")),
                              _text_of(c).strip(), para_id)
    return out


def _comments_ext(parts: DocxParts) -> dict[str, tuple[Optional[str], Optional[bool]]]:
    """paraId -> (parent paraId, done) from commentsExtended.xml."""
    out: dict[str, tuple[Optional[str], Optional[bool]]] = {}
    if parts.comments_ext is None:
        return out
    for ex in parts.comments_ext.iter(f"{{{W15}}}commentEx"):
        pid = ex.get(f"{{{W15}}}paraId")
        if not pid:
            continue
        done = ex.get(f"{{{W15}}}done")
        out[pid] = (ex.get(f"{{{W15}}}paraIdParent"), None if done is None else done in ("1", "true", "on"))
    return out


class _Walker:
    def __init__(self, parts: DocxParts, known: KnownIds):
        self.known = known
        self.heading_styles = _heading_styles(parts.styles)
        self.pos = 0
        self.text_count = 0  # text elements seen: tells collapsed bookmarks from real ranges
        self.bookmarks: dict[str, _Bookmark] = {}
        self.bm_list: list[_Bookmark] = []
        self.headings: list[tuple[int, Target]] = []
        self.ranges: dict[str, _Range] = {}
        self.changes: list[_Change] = []
        self.change_stack: list[Optional[_Change]] = []
        self.mergeable = False  # may the next change continue the last one?
        self.story: Optional[str] = None  # the story being walked (None: the body)
        self.pinned: Optional[int] = None  # walking a note or header: every item stands here
        self.txbx_depth = 0
        self.note_refs: dict[tuple[str, str], int] = {}  # (footnote|endnote, id) -> body position

    def here(self) -> int:
        return self.pinned if self.pinned is not None else self.pos

    def current_story(self) -> Optional[str]:
        return "text box" if self.txbx_depth and self.story is None else self.story

    def range(self, cid: str) -> _Range:
        r = self.ranges.get(cid)
        if r is None:
            r = self.ranges[cid] = _Range(story=self.current_story())
        return r

    def text(self, s: str, deleted: bool = False) -> None:
        if not s:
            return
        self.text_count += 1
        for r in self.ranges.values():
            if r.open:
                (r.deleted if deleted else r.text).append(s)
                if r.first_text is None:
                    r.first_text = self.here()
        change = self.change_stack[-1] if self.change_stack else None
        if change is not None:
            change.text.append(s)
            if change.first_text is None:
                change.first_text = self.here()
        elif s.strip():
            self.mergeable = False

    def walk_story(self, root: etree._Element, story: str, at: Optional[int]) -> None:
        """Walk a header, footer or note: its items stand at ``at`` in the body (None: nowhere)."""
        self.story, self.pinned = story, (-1 if at is None else at)
        try:
            self.walk(root, structure=False)
        finally:
            self.story, self.pinned = None, None
            self.mergeable = False

    def walk(self, body: etree._Element, structure: bool = True) -> None:
        """``structure``: record bookmarks and headings (the body's; a note has none of ours)."""
        for event, el in etree.iterwalk(body, events=("start", "end")):
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if event == "end":
                if tag in CHANGE_TAGS and self._is_run_level(el):
                    self.change_stack.pop()
                elif tag == TXBX:
                    self.txbx_depth -= 1
                continue
            self.pos += 1
            if tag == TXBX:
                self.txbx_depth += 1
            elif tag in NOTE_REFS and self.pinned is None:
                self.note_refs.setdefault((NOTE_REFS[tag], el.get(w("id")) or ""), self.pos)
            if tag == P:
                if structure:
                    self._paragraph(el)
                else:
                    self._paragraph_break()
            elif tag == T:
                self.text(strip_invisible(el.text or ""))
            elif tag == DELTEXT:
                self.text(strip_invisible(el.text or ""), deleted=True)
            elif tag == TAB:
                if el.getparent() is not None and el.getparent().tag == w("r"):
                    self.text("\t")
            elif tag in (BR, CR):
                self.text("\n")
            elif tag == BM_START and structure:
                target = self.known.for_bookmark(el.get(w("name")) or "")
                if target is not None:
                    bm = _Bookmark(el.get(w("name")), target, self.pos, self.text_count)
                    self.bookmarks[el.get(w("id")) or ""] = bm
                    self.bm_list.append(bm)
            elif tag == BM_END:
                bm = self.bookmarks.get(el.get(w("id")) or "")
                if bm is not None and bm.end is None:
                    bm.end, bm.end_text = self.pos, self.text_count
            elif tag == CR_START:
                r = self.range(el.get(w("id")) or "")
                r.start, r.open = self.here(), True
                r.span = (self.text_count, r.span[1])
            elif tag == CR_END:
                r = self.range(el.get(w("id")) or "")
                r.end, r.open = self.here(), False
                r.span = (r.span[0], self.text_count)
            elif tag == C_REF:
                r = self.range(el.get(w("id")) or "")
                r.ref = self.here()
                r.open = False
            elif tag in CHANGE_TAGS:
                if self._is_run_level(el):
                    self._start_change(el)

    @staticmethod
    def _is_run_level(el: etree._Element) -> bool:
        parent = el.getparent()
        return parent is None or parent.tag not in (RPR, PPR, TRPR, TCPR, w("sectPr"))

    def _start_change(self, el: etree._Element) -> None:
        kind = CHANGE_TAGS[el.tag]
        author, date = el.get(w("author")) or "", el.get(w("date"))
        last = self.changes[-1] if self.changes else None
        if (self.mergeable and last is not None and last.kind == kind and last.author == author
                and last.date == date):
            self.change_stack.append(last)
            return
        change = _Change(kind, author, date, self.here(), story=self.current_story())
        self.changes.append(change)
        self.change_stack.append(change)
        self.mergeable = True

    def _paragraph(self, p: etree._Element) -> None:
        self._paragraph_break()
        heading = _is_heading(p, self.heading_styles)
        text = strip_invisible("".join(t.text or "" for t in p.iter(T)))
        target = self.known.for_heading(text, heading) if text.strip() else None
        if target is not None:
            self.headings.append((self.pos, target))

    def _paragraph_break(self) -> None:
        for r in self.ranges.values():
            if r.open and (r.text or r.deleted):
                r.text.append("\n")
        if self.change_stack and self.change_stack[-1] is not None and self.change_stack[-1].text:
            self.change_stack[-1].text.append("\n")
        elif self.changes and self.mergeable and self.changes[-1].text:
            self.changes[-1].text.append("\n")

    def anchor(self, pos: Optional[int]) -> Anchor:
        if pos is None:
            return Anchor()
        best: Optional[tuple[Target, str, int]] = None  # (target, method, position)
        containing = [b for b in self.bm_list if b.start <= pos and b.end is not None and b.end >= pos
                      and not b.collapsed]
        if containing:
            c = max(containing, key=lambda b: b.start)
            best = (c.target, "bookmark", c.start)
        preceding = [b for b in self.bm_list if b.start <= pos and b not in containing]
        if preceding:
            b = max(preceding, key=lambda b: b.start)
            if best is None or (b.start > best[2] and b.collapsed):
                best = (b.target, "nearest_bookmark", b.start)
        heads = [h for h in self.headings if h[0] <= pos]
        if heads:
            hpos, target = heads[-1]
            if best is None or (hpos > best[2] and target != best[0] and (best[1] != "bookmark" or
                                                     RANK.get(target[0], 0) > RANK.get(best[0][0], 0))):
                best = (target, "heading", hpos)
        if best is None:
            return Anchor()
        (kind, ident), method, _ = best
        return Anchor(id=ident, kind=kind, method=method)


def _join(parts: list[str]) -> str:
    return re.sub(r"\n{2,}", "\n", "".join(parts)).strip("\n")


def with_content_id(counter: dict, item: FeedbackItem) -> FeedbackItem:
    """Give ``item`` its ID from its content; the n-th identical item of one file gets its own."""
    key = item.content_key()
    n = counter.get(key, 0)
    counter[key] = n + 1
    item.id = "FB_" + hashlib.sha256(f"{key}\x1e{n}".encode("utf-8")).hexdigest()[:12]
    return item


PLACEHOLDER_ID = "FB_000000000000"
POSITION_MATCH = ("matched by anchor range and position: the file lost the reply's link to its thread "
                  "(LibreOffice drops it when it saves)")


@dataclass
class CarriedThread:
    """A comment docgen carried into the draft (``[round FB_...] text``), as it came back."""

    round: str
    item_id: str
    text: str  # the carried text after the mark, as the returned file has it
    author: str
    date: Optional[str]
    replies: list[Reply]
    resolved: Optional[bool]
    anchor: Anchor
    story: Optional[str] = None
    commented_text: Optional[str] = None
    span: tuple[Optional[int], Optional[int]] = (None, None)


@dataclass
class Extraction:
    items: list[FeedbackItem] = field(default_factory=list)
    threads: list[CarriedThread] = field(default_factory=list)
    walker: Optional["_Walker"] = None


def _strip_fallbacks(root: Optional[etree._Element]) -> None:
    """Drop ``mc:Fallback`` copies (a text box is written twice: once for old readers)."""
    if root is None:
        return
    for fb in list(root.iter(MC_FALLBACK)):
        parent = fb.getparent()
        if parent is not None:
            parent.remove(fb)


def _walk_stories(walker: "_Walker", parts: DocxParts) -> None:
    for story, _name, root in parts.stories:
        _strip_fallbacks(root)
        if story in ("footnote", "endnote"):
            for note in root:
                if not isinstance(note.tag, str) or note.tag not in (w("footnote"), w("endnote")):
                    continue
                if note.get(w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                at = walker.note_refs.get((story, note.get(w("id")) or ""))
                walker.walk_story(note, story, at)
        else:
            walker.walk_story(root, story, None)


def extract(parts: DocxParts, known: KnownIds, source_name: str) -> Extraction:
    """Every comment and tracked change of every story, and the comments docgen carried."""
    walker = _Walker(parts, known)
    body = parts.document.find(w("body"))
    if body is not None:
        _strip_fallbacks(body)
        walker.walk(body)
    _walk_stories(walker, parts)
    raw = _comments(parts)
    ext = _comments_ext(parts)
    by_para = {c.para_id: c for c in raw.values() if c.para_id}

    # Replies: Word/LibreOffice (7.x) mark them with paraIdParent; older LibreOffice
    # wrote a separate comment "Reply to NAME (DATE): text" at the same place.
    parent_of: dict[str, str] = {}
    for c in raw.values():
        parent_para = ext.get(c.para_id, (None, None))[0] if c.para_id else None
        if parent_para and parent_para in by_para and by_para[parent_para].cid != c.cid:
            parent_of[c.cid] = by_para[parent_para].cid
    ordered = sorted(raw.values(), key=lambda c: (_pos_of(walker.ranges.get(c.cid)) or 10**12, _num(c.cid)))
    for i, c in enumerate(ordered):
        if c.cid in parent_of or not _LO_REPLY.match(c.text):
            continue
        here = _pos_of(walker.ranges.get(c.cid))
        for prev in reversed(ordered[:i]):
            if prev.cid not in parent_of and _pos_of(walker.ranges.get(prev.cid)) == here:
                parent_of[c.cid] = prev.cid
                break
    # A reply to a carried comment whose link was lost (LibreOffice keeps paraIdParent only
    # for some comments): a comment without thread information on exactly the carried range.
    # Several carried comments may share the range (a whole paragraph): the reply's range
    # markers stand next to its parent's, so the nearest one is taken.
    matched: set[str] = set()
    carried_spans: dict[tuple, list[RawComment]] = {}
    for c in ordered:
        r = walker.ranges.get(c.cid)
        if _CARRIED.match(c.text) and r is not None and None not in r.span:
            carried_spans.setdefault((r.story, r.span), []).append(c)

    def distance(a: _Range, b: _Range) -> tuple[int, int]:
        return (abs((a.end or 0) - (b.end or 0)), abs((a.start or 0) - (b.start or 0)))

    for c in ordered:
        if c.cid in parent_of or _CARRIED.match(c.text) or (c.para_id and c.para_id in ext):
            continue
        r = walker.ranges.get(c.cid)
        candidates = carried_spans.get((r.story, r.span), []) if r is not None else []
        if candidates:
            root_c = min(candidates, key=lambda p: distance(walker.ranges[p.cid], r))
            parent_of[c.cid] = root_c.cid
            matched.add(c.cid)

    def root(cid: str) -> str:
        seen = set()
        while cid in parent_of and cid not in seen:
            seen.add(cid)
            cid = parent_of[cid]
        return cid

    replies: dict[str, list[Reply]] = {}
    for c in sorted(ordered, key=lambda c: (c.date or "", _num(c.cid))):
        if c.cid in parent_of:
            text = c.text
            m = _LO_REPLY.match(text)
            if m and c.para_id not in ext:
                text = text[m.end():]
            replies.setdefault(root(c.cid), []).append(
                Reply(author=c.author, date=c.date, text=text, matched=POSITION_MATCH if c.cid in matched else None))

    out = Extraction(walker=walker)
    counter: dict = {}
    items: list[tuple[int, FeedbackItem]] = []
    for c in ordered:
        if c.cid in parent_of:
            continue
        r = walker.ranges.get(c.cid) or _Range()
        pos = _pos_of(r)
        commented = _join(r.text) or _join(r.deleted) or None
        resolved = ext[c.para_id][1] if c.para_id and c.para_id in ext else None
        anchor = walker.anchor(pos)
        carried = _CARRIED.match(c.text)
        if carried:
            out.threads.append(CarriedThread(carried.group("round"), carried.group("id"), c.text[carried.end():],
                                             c.author, c.date, replies.get(c.cid, []), resolved, anchor, r.story,
                                             commented, r.span))
            continue
        item = FeedbackItem(
            id=PLACEHOLDER_ID, kind="comment", source_file=source_name,
            reviewer=Reviewer(name=c.author, initials=c.initials or None), date=c.date,
            anchor=anchor, story=r.story, text=c.text, commented_text=commented,
            replies=replies.get(c.cid, []), resolved=resolved)
        items.append((pos if pos is not None else 10**12, with_content_id(counter, item)))
    for ch in walker.changes:
        text = _join(ch.text)
        if not text.strip():
            continue  # a paragraph mark or formatting-only change
        pos = ch.first_text if ch.first_text is not None else ch.pos
        item = FeedbackItem(
            id=PLACEHOLDER_ID, kind=ch.kind, source_file=source_name, reviewer=Reviewer(name=ch.author),
            date=ch.date, anchor=walker.anchor(pos), story=ch.story, text=text)
        items.append((pos, with_content_id(counter, item)))
    items.sort(key=lambda t: t[0])
    out.items = [it for _, it in items]
    return out


def thread_items(thread: CarriedThread, source_name: str, counter: dict) -> list[FeedbackItem]:
    """The replies to a carried comment as items of their own (when its item is not in the plan data)."""
    first = thread.text.split("\n", 1)[0]
    return [with_content_id(counter, FeedbackItem(
        id=PLACEHOLDER_ID, kind="comment", source_file=source_name, reviewer=Reviewer(name=rep.author),
        date=rep.date, anchor=thread.anchor, story=thread.story, text=rep.text,
        commented_text=f"reply to {thread.item_id} ({thread.round}): {first}", resolved=thread.resolved))
        for rep in thread.replies]


def extract_items(parts: DocxParts, known: KnownIds, source_name: str, *,
                  keep_carried: bool = False) -> list[FeedbackItem]:
    """Every comment and tracked change. Comments docgen carried are left out (their replies
    become items), or with ``keep_carried`` kept as comments of their own."""
    ex = extract(parts, known, source_name)
    counter: dict = {}
    for it in ex.items:
        counter[it.content_key()] = counter.get(it.content_key(), 0) + 1
    extra = []
    for th in ex.threads:
        if keep_carried:
            extra.append(with_content_id(counter, FeedbackItem(
                id=PLACEHOLDER_ID, kind="comment", source_file=source_name, reviewer=Reviewer(name=th.author),
                date=th.date, anchor=th.anchor, story=th.story, text=f"[{th.round} {th.item_id}] {th.text}",
                commented_text=th.commented_text, replies=th.replies, resolved=th.resolved)))
        else:
            extra += thread_items(th, source_name, counter)
    return ex.items + extra


def _pos_of(r: Optional[_Range]) -> Optional[int]:
    if r is None:
        return None
    for p in (r.first_text, r.start, r.ref, r.end):
        if p is not None:
            return p
    return None


def _num(cid: str) -> int:
    try:
        return int(cid)
    except ValueError:
        return 0
