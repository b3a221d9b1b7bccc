"""``docgen harvest FILE... --round NAME``: reviewers' comments and tracked changes -> feedback file.

Each file is checked and read on its own: a bad file gets a clear error and
contributes nothing, the other files are still harvested, and the exit status
is 1. Items go to ``plan_data/feedback/<round>.yaml`` (see :mod:`docgen.review.store`);
what reviewers did with carried comments goes onto those comments' own items
(:mod:`docgen.review.threads`); text edited with Track Changes off is found by
comparing with the version sent (:mod:`docgen.review.untracked`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..diagnostics import Diagnostic, DocgenError, Severity, relative
from ..model.feedback import FeedbackItem, FeedbackRound
from .carry import NOTES_ROUND
from .extract import CarriedThread, extract, extract_items, thread_items
from .known import KnownIds, known_ids_from_plan
from .safedocx import DocxParts, UnsafeDocx, open_docx
from .store import ROUND_PATTERN, feedback_lock, new_items, read_round, round_path, write_round
from .threads import apply_thread


@dataclass
class HarvestResult:
    path: Path
    items: list[FeedbackItem] = field(default_factory=list)
    error: Optional[Diagnostic] = None
    threads: list[CarriedThread] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)  # parts that could not be read...
    parts: Optional[DocxParts] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        comments = sum(i.kind == "comment" for i in self.items)
        edits = sum(i.kind == "untracked_edit" for i in self.items)
        general = sum(i.anchor.kind == "general" for i in self.items)
        return {"comments": comments, "changes": len(self.items) - comments - edits, "edits": edits,
                "anchored": len(self.items) - general, "general": general, "carried": len(self.threads)}


def _bad(path: Path, message: str, hint: str) -> HarvestResult:
    return HarvestResult(path, error=Diagnostic(relative(path), None, None, "", message, hint=hint, code="bad-docx"))


def harvest_file(path: Path, known_ids: Optional[KnownIds] = None, *, keep_carried: bool = False,
                 sent_root: Optional[Path] = None) -> HarvestResult:
    """Read one reviewed DOCX. Never raises for a bad file: the result carries the error.
    ``sent_root``: the build folder holding the versions sent, to find untracked edits."""
    path = Path(path)
    known = known_ids if known_ids is not None else KnownIds()
    try:
        parts = open_docx(path)
        if keep_carried:
            return HarvestResult(path, items=extract_items(parts, known, path.name, keep_carried=True))
        ex = extract(parts, known, path.name)
        # The secretariat's notes for reviewers are no round's items: the replies to them are new items.
        counter: dict = {}
        for it in ex.items:
            counter[it.content_key()] = counter.get(it.content_key(), 0) + 1
        replies = [it for th in ex.threads if th.round == NOTES_ROUND for it in thread_items(th, path.name, counter)]
        result = HarvestResult(path, items=ex.items + replies, parts=parts,
                               threads=[th for th in ex.threads if th.round != NOTES_ROUND])
        for problem in parts.problems:
            result.warnings.append(Diagnostic(relative(path), None, None, "", problem + "; the rest of the file was "
                                              "harvested", hint="ask the reviewer to save the document again as "
                                              ".docx and harvest it again: nothing is added twice"))
        if sent_root is not None:
            from .untracked import untracked_edits

            edits, note = untracked_edits(parts, ex, known, path.name, Path(sent_root))
            result.items += edits
            if note:
                result.warnings.append(Diagnostic(relative(path), None, None, "", note,
                                                  severity=Severity.WARNING, code="no-sent-version"))
        return result
    except UnsafeDocx as exc:
        return _bad(path, exc.message, exc.hint)
    except RecursionError:
        return _bad(path, "the document is nested too deeply to read", "this is not a normal Word document")


def known_ids_for(data_dir: Path) -> tuple[KnownIds, Optional[str]]:
    """IDs from the plan in ``data_dir``; the ID scheme alone (and a warning) when it does not load."""
    try:
        from ..validate import load_plan

        plan, _ = load_plan(Path(data_dir))
    except DocgenError:
        plan = None
    if plan is None:
        return KnownIds(), (f"warning: the plan in {relative(data_dir)} does not load (run 'docgen validate'); "
                            "anchoring by the ID scheme of bookmark names only")
    return known_ids_from_plan(plan), None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class Recorded:
    added: int = 0
    already: int = 0
    updated: dict[str, int] = field(default_factory=dict)  # round -> items updated


def record(data_dir: Path, round_name: str, results: list[HarvestResult], log=None) -> Recorded:
    """Add the new items to the round and the carried threads' news to their own items, under the lock."""
    out = round_path(data_dir, round_name)
    rec = Recorded()
    with feedback_lock(out.parent, f"docgen harvest --round {round_name}", log=log):
        target = read_round(out, round_name)  # DocgenError (invalid existing file) -> exit 1
        rounds: dict[str, Optional[FeedbackRound]] = {round_name: target}
        updates: dict[str, dict[str, FeedbackItem]] = {}
        per_file: list[list[FeedbackItem]] = []
        for r in results:
            items = list(r.items)
            counter: dict = {}
            for it in items:
                counter[it.content_key()] = counter.get(it.content_key(), 0) + 1
            for th in r.threads:
                if th.round not in rounds:
                    path = round_path(data_dir, th.round) if ROUND_PATTERN.match(th.round) else None
                    rounds[th.round] = read_round(path, th.round) if path is not None and path.exists() else None
                fr = rounds[th.round]
                original = next((i for i in fr.items if i.id == th.item_id), None) if fr else None
                if original is None:  # its round is gone: the replies become items of their own
                    items += thread_items(th, r.path.name, counter)
                    continue
                current = updates.get(th.round, {}).get(original.id, original)
                changed = apply_thread(current, th, r.path.name)
                if changed is not None:
                    updates.setdefault(th.round, {})[original.id] = changed
            per_file.append(items)
        existing = target.items if target else []
        fresh = new_items(existing, per_file)
        rec.added = len(fresh)
        rec.already = sum(len(f) for f in per_file) - len(fresh)
        # every file is written only after every one was read and checked
        for rnd, changed in updates.items():
            if rnd != round_name:
                write_round(round_path(data_dir, rnd), rnd, rounds[rnd], [], changed)
            rec.updated[rnd] = len(changed)
        write_round(out, round_name, target, fresh, updates.get(round_name))
    return rec


def run(args) -> int:
    data_dir = Path(getattr(args, "data", None) or "plan_data")
    out = round_path(data_dir, args.round)
    known, warning = known_ids_for(data_dir)
    if warning:
        print(warning, file=sys.stderr)
    sent_root = Path(getattr(args, "build", None) or "build")

    results = [harvest_file(Path(f), known, sent_root=sent_root) for f in args.files]
    good = [r for r in results if r.ok]
    rec = record(data_dir, args.round, good)

    for r in results:
        name = relative(r.path)
        if r.ok:
            c = r.counts()
            line = (f"{name}: {_plural(c['comments'], 'comment')}, {_plural(c['changes'], 'change')}, "
                    f"{_plural(c['edits'], 'untracked edit')}")
            if c["carried"]:
                line += f", {_plural(c['carried'], 'carried comment')}"
            line += f"; {c['anchored']} anchored, {c['general']} general"
            print(line)
            if not r.items and not r.threads and not r.warnings:
                print(f"{name}: warning: nothing found: no comments, no tracked changes and no edits "
                      "(was it returned unchanged, or is it the draft as sent?)", file=sys.stderr)
        else:
            print(f"{name}: skipped", file=sys.stdout)
        for wd in r.warnings:
            print(wd.format(), file=sys.stderr)
    print(f"{relative(out)}: {_plural(rec.added, 'new item')}, {rec.already} already recorded")
    for rnd, n in sorted(rec.updated.items()):
        print(f"{relative(round_path(data_dir, rnd))}: {_plural(n, 'carried item')} updated "
              "(replies, edits or resolved)")
    bad = [r for r in results if not r.ok]
    for r in bad:
        print(r.error.format(), file=sys.stderr)
    if bad:
        print(f"{len(bad)} of {len(results)} file{'s' if len(results) != 1 else ''} could not be harvested",
              file=sys.stderr)
    partial = [r for r in good if any(wd.severity is Severity.ERROR for wd in r.warnings)]
    if partial:
        print(f"{len(partial)} of {len(results)} file{'s' if len(results) != 1 else ''} could be read only in part",
              file=sys.stderr)
    return 1 if bad or partial else 0
