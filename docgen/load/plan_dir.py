"""Find and parse every YAML file of a plan_data/ folder."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, DocgenError, relative
from .yaml_loader import LoadedFile, load_file

# Sub-folders whose files are records of their own kind; every other *.yaml
# (top level or in another sub-folder such as actions/) holds plan sections.
RECORD_DIRS = ("consultations", "feedback")


@dataclass
class RawPlan:
    root: Path
    section_files: list[LoadedFile] = field(default_factory=list)
    record_files: dict[str, list[LoadedFile]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    # IDs of entries that failed validation: references to them are not "unknown" (one mistake, one message)
    unvalidated_ids: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)  # files that could not be parsed at all


def load_plan_dir(root: Path) -> RawPlan:
    """Parse every file; a file that cannot be parsed is reported, the others still load."""
    if not root.is_dir():
        raise DocgenError([Diagnostic(str(root), None, None, "", "plan data folder not found",
                                      hint="run from the project folder or pass --data PATH")])
    raw = RawPlan(root)
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            continue
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        try:
            loaded = load_file(path, relative(path), strict=False)
        except DocgenError as exc:
            raw.problems.extend(exc.diagnostics)
            raw.unreadable.append(relative(path))
            continue
        raw.problems.extend(loaded.problems)  # bad values: reported once, the rest of the file still loads
        top = rel.parts[0] if len(rel.parts) > 1 else ""
        if top in RECORD_DIRS:
            raw.record_files.setdefault(top, []).append(loaded)
        else:
            raw.section_files.append(loaded)
    return raw
