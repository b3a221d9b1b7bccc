"""plan_data/feedback/<round>.yaml: read, add and update items, write atomically, under a lock.

The feedback files are the secretariat's: they type responses, notes (``#``
comments), reorder keys. So a harvest never re-writes a file. It changes text only
where an item is new or changed: new items are appended after the last item, a
changed item gets only its changed fields (replies, edits, resolved) replaced or
added; every other byte of the file stays as it was. ruamel.yaml's round-trip
parser tells where each item and key stands; the result is parsed back and must
equal the expected data before it replaces the file (otherwise ruamel.yaml
re-emits the whole file, comments kept, and that is checked the same way).

Items are identified by content (:meth:`FeedbackItem.content_key`): an item
already recorded, under whatever ID or file name, is not added again.

Harvests serialise on ``plan_data/feedback/.harvest.lock`` (``fcntl.flock``), so
two harvests into one round at once both land, one after the other.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, Optional

import yaml
from pydantic import ValidationError

from ..diagnostics import Diagnostic, DocgenError, format_path, relative
from ..fsutil import atomic_write_bytes
from ..model.feedback import FeedbackItem, FeedbackRound

ROUND_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
LOCK_NAME = ".harvest.lock"


def round_path(data_dir: Path, round_name: str) -> Path:
    if not ROUND_PATTERN.match(round_name) or ".." in round_name:
        raise DocgenError([Diagnostic("--round", None, None, "", f"'{round_name}' is not a valid round name",
                                      hint="use letters, digits, '_', '-' or '.', e.g. round1 or 2025-03-validation")])
    return Path(data_dir) / "feedback" / f"{round_name}.yaml"


# --- the lock ------------------------------------------------------------------------------


@contextlib.contextmanager
def feedback_lock(folder: Path, what: str, log=None) -> Iterator[None]:
    """Hold the feedback folder's lock; say who we wait for when another harvest holds it."""
    import fcntl

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DocgenError(f"{relative(folder)}: cannot write the feedback folder: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "another harvest"
            log(f"waiting for {holder} to finish (lock {relative(folder / LOCK_NAME)})...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what} (pid {os.getpid()})".encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race the next taker)


# --- reading -------------------------------------------------------------------------------


def _hint_for(err: dict) -> str:
    value = err.get("input")
    if isinstance(value, bool):
        return ("YAML reads an unquoted yes/no/on/off/true/false as a yes-or-no value: put the text in quotes, "
                f"e.g. '{str(value).lower()}'")
    if err.get("type") == "string_type" and value is not None and not isinstance(value, (list, dict)):
        return "put the value in quotes to keep it as text"
    return "fix the feedback file by hand; harvest never overwrites it while it is invalid"


def read_round(path: Path, round_name: Optional[str] = None) -> Optional[FeedbackRound]:
    """The round recorded in ``path`` (None if there is no file); errors as DocgenError."""
    if not path.exists():
        return None
    from ..load.yaml_loader import load_file

    loaded = load_file(path, relative(path))
    try:
        fr = FeedbackRound.model_validate(loaded.data)
    except ValidationError as exc:
        diags = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line, col = loaded.where(loc)
            diags.append(Diagnostic(loaded.display, line, col, format_path(loc), err["msg"], hint=_hint_for(err)))
        raise DocgenError(diags) from None
    if round_name is not None and fr.round != round_name:
        raise DocgenError([loaded.diag(("round",), f"this file records round '{fr.round}', not '{round_name}'",
                                       hint=f"set 'round: {round_name}' or rename the file")])
    return fr


# --- which items are new -------------------------------------------------------------------


def new_items(existing: Iterable[FeedbackItem], per_file: Iterable[list[FeedbackItem]]) -> list[FeedbackItem]:
    """The items not yet recorded. An item identical in content to one recorded counts as
    recorded; the same file sent twice (any names) adds its items once, so per content the
    most any one file holds is what the round needs."""
    have = Counter(i.content_key() for i in existing)
    ids = {i.id for i in existing}
    # a reply recorded in a thread that comes back as a comment of its own (LibreOffice drops
    # the reply links when it saves) is that reply, not a new item
    replies = {(r.author, r.date, r.text.strip(), i.anchor.id) for i in existing for r in i.replies}
    fresh: list[FeedbackItem] = []
    for items in per_file:
        seen = Counter()
        for item in items:
            if item.kind == "comment" and not item.replies and \
                    (item.reviewer.name, item.date, item.text.strip(), item.anchor.id) in replies:
                continue
            key = item.content_key()
            seen[key] += 1
            if seen[key] > have[key]:
                have[key] += 1
                if item.id in ids:  # same content hash, recorded under another content: keep both
                    continue
                ids.add(item.id)
                fresh.append(item)
    return fresh


# --- writing ---------------------------------------------------------------------------------


HEADER = ("# Reviewers' feedback harvested by `docgen harvest` from the reviewed DOCX files.\n"
          "# Fill in each item's response (decision: accepted | partly_accepted | not_accepted |\n"
          "# noted | pending; rationale: {en, km}; by; date) and set status: closed when done.\n"
          "# Harvesting again adds new items and records replies, edits and resolutions of\n"
          "# carried comments; it never changes what you wrote.\n"
          "# Optional: 'consultation: <event-id>' shows the items in that consultation's\n"
          "# summary; without it the round gets its own Review-<round> summary.\n")

# Fields harvest may change on a recorded item (a reviewer's later answer to it).
UPDATABLE = ("replies", "edits", "resolved")


# Written only when they say something (most items are body comments, never edited).
_OPTIONAL = ("story", "old_text", "edits")


def _item_dict(item: FeedbackItem) -> dict:
    data = item.model_dump(mode="json", exclude_none=False)
    for key in _OPTIONAL:
        if data.get(key) in (None, []):
            del data[key]
    return data


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def _atomic_write(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), "feedback file")


def _parsed(text: str):
    try:
        from ..load.yaml_loader import parse_text

        return FeedbackRound.model_validate(parse_text(text, "feedback").data).model_dump(mode="json")
    except Exception:
        return None


def _indent(block: str, prefix: str) -> list[str]:
    return [(prefix + line if line.strip() else line) + "\n" for line in block.rstrip("\n").split("\n")]


def _is_filler(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


def _trim(lines: list[str], start: int, end: int) -> int:
    """End of the content in lines[start:end]: trailing blank and comment lines are not part of it."""
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _splice(old_text: str, fresh: list[FeedbackItem], updated: dict[str, FeedbackItem]) -> Optional[str]:
    """The file with ``fresh`` appended and the UPDATABLE fields of ``updated`` replaced, every
    other line untouched; None when the layout is not one this handles (flow style...)."""
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    try:
        doc = rt.load(old_text)
    except Exception:
        return None
    if not hasattr(doc, "lc"):
        return None
    eol = "\r\n" if "\r\n" in old_text else "\n"  # a file saved on Windows keeps its line ends
    text = old_text if old_text.endswith("\n") else old_text + eol
    lines = text.splitlines(keepends=True)
    keys = list(doc.keys())
    seq = doc.get("items")
    edits: list[tuple[int, int, list[str]]] = []  # (start, end, new lines), non-overlapping

    def next_key_line(key) -> int:
        i = keys.index(key)
        return doc.lc.key(keys[i + 1])[0] if i + 1 < len(keys) else len(lines)

    if seq:
        if not hasattr(seq, "lc") or getattr(seq.fa, "_flow_style", False):
            return None
        starts = []
        for i in range(len(seq)):
            line, col = seq.lc.item(i)
            if col < 2 or lines[line][col - 2:col] != "- ":
                return None
            starts.append((line, col))
        dash_col = starts[0][1] - 2
        items_end = next_key_line("items")
        for i, item in enumerate(seq):
            item_id = item.get("id") if hasattr(item, "get") else None
            if item_id not in updated:
                continue
            line, col = starts[i]
            end = _trim(lines, line, starts[i + 1][0] if i + 1 < len(starts) else items_end)
            new = _item_dict(updated[item_id])
            ikeys = list(item.keys())
            for field in UPDATABLE:
                if field in item and item[field] == new.get(field):
                    continue
                if field not in item and new.get(field) in (None, []):
                    continue
                block = _indent(_dump({field: new.get(field, [])}), " " * col)
                if field in item:
                    k = ikeys.index(field)
                    kline = item.lc.key(field)[0]
                    kend = _trim(lines, kline, item.lc.key(ikeys[k + 1])[0] if k + 1 < len(ikeys) else end)
                    if kline == line:  # the first key shares the line with the dash
                        block[0] = lines[line][:col] + block[0][col:]
                    edits.append((kline, kend, block))
                else:
                    edits.append((end, end, block))
        if fresh:
            last_line = starts[-1][0]
            end = _trim(lines, last_line, items_end)
            edits.append((end, end, _indent(_dump([_item_dict(i) for i in fresh]), " " * dash_col)))
    elif fresh:
        block = _indent(_dump([_item_dict(i) for i in fresh]), "")
        if "items" in doc:
            kline = doc.lc.key("items")[0]
            head = re.sub(r"^(items\s*:)\s*(\[\s*\])?", r"\1", lines[kline].rstrip("\n")) + "\n"
            end = _trim(lines, kline, next_key_line("items"))
            edits.append((kline, kline + 1, [head]))
            edits.append((end, end, block))
        else:
            edits.append((len(lines), len(lines), ["items:\n"] + block))
    edits.sort(key=lambda e: (e[0], e[1]))
    out: list[str] = []
    pos = 0
    for start, end, new in edits:
        if start < pos:
            return None
        out += lines[pos:start] + new
        pos = end
    out += lines[pos:]
    if eol != "\n":
        out = [l if l.endswith(eol) else l[:-1] + eol if l.endswith("\n") else l for l in out]
    return "".join(out)


def _roundtrip_dump(old_text: str, fresh: list[FeedbackItem], updated: dict[str, FeedbackItem]) -> Optional[str]:
    """ruamel.yaml re-emits the whole file (comments and key order kept, layout normalised)."""
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.version = (1, 1)  # docgen reads YAML 1.1: quote 'yes', '19:13' and the like
    rt.width = 100
    try:
        doc = rt.load(old_text)
        seq = doc.setdefault("items", [])
        for i, item in enumerate(seq):
            if item.get("id") in updated:
                new = _item_dict(updated[item["id"]])
                for field in UPDATABLE:
                    if field in new:
                        item[field] = new[field]
        for it in fresh:
            seq.append(_item_dict(it))
        buf = io.StringIO()
        rt.dump(doc, buf)
    except Exception:
        return None
    return re.sub(r"\A%YAML 1\.1\n---\n?", "", buf.getvalue())


def write_round(path: Path, round_name: str, existing: Optional[FeedbackRound], fresh: list[FeedbackItem],
                updated: Optional[dict[str, FeedbackItem]] = None) -> None:
    """Write ``fresh`` items and the ``updated`` items' changes into ``path``."""
    updated = updated or {}
    if not fresh and not updated:
        return
    if existing is None:
        text = HEADER + _dump({"round": round_name, "items": [_item_dict(i) for i in fresh]})
        if _parsed(text) is None:  # pragma: no cover - a bug, never write a wrong file
            raise DocgenError(f"{relative(path)}: could not write the new items safely; nothing was written")
        _atomic_write(path, text)
        return
    expected = existing.model_copy(deep=True)
    expected.items = [updated.get(i.id, i) for i in expected.items] + list(fresh)
    want = expected.model_dump(mode="json")
    old_text = path.read_bytes().decode("utf-8")  # not read_text: it would turn CRLF into LF
    for make in (_splice, _roundtrip_dump):
        text = make(old_text, fresh, updated)
        if text is not None and _parsed(text) == want:
            _atomic_write(path, text)
            return
    raise DocgenError([Diagnostic(relative(path), None, None, "",
                                  "could not add the harvested items without changing what is written there; "
                                  "the file was left unchanged", hint="check its layout (block style, one item per "
                                  "'- ' entry) or move it aside and harvest again")])


def merge_items(path: Path, round_name: str, items: list[FeedbackItem]) -> tuple[int, int]:
    """Add the items not yet recorded (by content). Returns (added, already there)."""
    existing = read_round(path, round_name)
    fresh = new_items(existing.items if existing else [], [items])
    write_round(path, round_name, existing, fresh)
    return len(fresh), len(items) - len(fresh)
