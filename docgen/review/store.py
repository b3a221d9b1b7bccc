"""plan_data/feedback/<round>.yaml: read, merge new items in, write atomically.

Items already in the file are never changed (the secretariat's responses and
status stay as recorded); only items with new IDs are added. When the file
exists, new items are appended as text so that the secretariat's YAML comments
survive; the result is parsed back and checked before it replaces the file.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import yaml
from pydantic import ValidationError

from ..fsutil import atomic_write_bytes
from ..diagnostics import Diagnostic, DocgenError, format_path, relative
from ..model.feedback import FeedbackItem, FeedbackRound

ROUND_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


def round_path(data_dir: Path, round_name: str) -> Path:
    if not ROUND_PATTERN.match(round_name) or ".." in round_name:
        raise DocgenError([Diagnostic("--round", None, None, "", f"'{round_name}' is not a valid round name",
                                      hint="use letters, digits, '_', '-' or '.', e.g. round1 or 2025-03-validation")])
    return Path(data_dir) / "feedback" / f"{round_name}.yaml"


def _item_dict(item: FeedbackItem) -> dict:
    return item.model_dump(mode="json", exclude_none=False)


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


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
            diags.append(Diagnostic(loaded.display, line, col, format_path(loc), err["msg"],
                                    hint="fix the feedback file by hand; harvest never overwrites it while it is invalid"))
        raise DocgenError(diags) from None
    if round_name is not None and fr.round != round_name:
        raise DocgenError([loaded.diag(("round",), f"this file records round '{fr.round}', not '{round_name}'",
                                       hint=f"set 'round: {round_name}' or rename the file")])
    return fr


def _atomic_write(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), "feedback file")


HEADER = ("# Reviewers' feedback harvested by `docgen harvest` from the reviewed DOCX files.\n"
          "# Fill in each item's response (decision: accepted | partly_accepted | not_accepted |\n"
          "# noted | pending; rationale: {en, km}; by; date) and set status: closed when done.\n"
          "# Harvesting again only adds new items; it never changes the ones below.\n"
          "# Optional, above 'items:': 'consultation: <event-id>' shows the items in that\n"
          "# consultation's summary; without it the round gets its own Review-<round> summary.\n")


def merge_items(path: Path, round_name: str, new_items: list[FeedbackItem]) -> tuple[int, int]:
    """Add the items whose IDs are not yet in the file. Returns (added, already there)."""
    existing = read_round(path, round_name)
    known = {i.id for i in existing.items} if existing else set()
    fresh: list[FeedbackItem] = []
    for item in new_items:
        if item.id not in known:
            known.add(item.id)
            fresh.append(item)
    dup = len(new_items) - len(fresh)
    if not fresh:  # nothing to add: the file (or its absence) stays as it is
        return 0, dup
    if existing is None:
        text = HEADER + _dump({"round": round_name, "items": [_item_dict(i) for i in fresh]})
        FeedbackRound.model_validate(yaml.safe_load(text))
        _atomic_write(path, text)
        return len(fresh), dup

    old_text = path.read_text(encoding="utf-8")
    expected = existing.model_dump(mode="json")
    expected["items"] = expected["items"] + [_item_dict(i) for i in fresh]
    text = _append_text(old_text, existing, fresh)
    if text is None or _parsed(text) != expected:
        # the file's layout does not allow appending: rewrite it (YAML comments are lost)
        data = yaml.safe_load(old_text)
        data["items"] = (data.get("items") or []) + [_item_dict(i) for i in fresh]
        text = HEADER + _dump(data)
        if _parsed(text) != expected:  # pragma: no cover - a bug, never write a wrong file
            raise DocgenError(f"{relative(path)}: could not merge the new items safely; the file was left unchanged")
    _atomic_write(path, text)
    return len(fresh), dup


def _parsed(text: str):
    try:
        return FeedbackRound.model_validate(yaml.safe_load(text)).model_dump(mode="json")
    except Exception:
        return None


def _append_text(old_text: str, existing: FeedbackRound, fresh: list[FeedbackItem]) -> Optional[str]:
    """Append items to a block-style ``items:`` list that ends the file; None if it does not."""
    lines = old_text.rstrip("\n").split("\n")
    items_line = None
    for i, line in enumerate(lines):
        if re.match(r"^items\s*:", line):
            items_line = i
    if items_line is None:
        return None
    rest = lines[items_line + 1:]
    if re.match(r"^items\s*:\s*(\[\s*\])?\s*(#.*)?$", lines[items_line]) is None:
        return None
    if any(l and not l.startswith((" ", "-", "#")) for l in rest):
        return None  # another top-level key follows the list
    indent = ""
    for l in rest:
        m = re.match(r"^(\s*)- ", l)
        if m:
            indent = m.group(1)
            break
    block = _dump([_item_dict(i) for i in fresh]).rstrip("\n").split("\n")
    block = [indent + l if l else l for l in block]
    head = lines[:items_line] + ["items:"] if not existing.items else lines
    if not existing.items:
        head += [l for l in rest]  # comments under an empty list
    return "\n".join(head + block) + "\n"
