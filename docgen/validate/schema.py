"""Stage 2a: check each file against the Pydantic models and assemble the Plan.

Pydantic's errors carry a path inside the data; the loader knows the line of
every path, so each error becomes ``FILE:LINE:COL: path: message`` with a hint.
"""
from __future__ import annotations

import typing
from typing import Any, Optional

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..diagnostics import Diagnostic, did_you_mean, format_path
from ..load.plan_dir import RawPlan
from ..load.yaml_loader import LoadedFile
from ..model.bundle import LIST_SECTIONS, RECORD_FOLDERS, SINGLE_SECTIONS, Origin, Plan
from ..model.common import ID_PATTERN

ALL_SECTIONS = {**LIST_SECTIONS, **SINGLE_SECTIONS}
_adapters: dict[Any, TypeAdapter] = {}


def _adapter(tp) -> TypeAdapter:
    if tp not in _adapters:
        _adapters[tp] = TypeAdapter(tp)
    return _adapters[tp]


def _model_at(tp, loc: tuple) -> Optional[type[BaseModel]]:
    """The model class that the data at ``loc`` should match (for key suggestions)."""
    for part in loc:
        tp = _unwrap(tp, want_list=isinstance(part, int))
        if tp is None:
            return None
        if isinstance(part, int):
            args = typing.get_args(tp)
            tp = args[0] if args else None
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(part)
            tp = f.annotation if f else None
        else:
            return None
    tp = _unwrap(tp, want_list=False)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp, want_list: bool):
    """Pick the branch of Optional/Union that fits: a list for an index, else a model."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or str(origin) == "types.UnionType":
        for arg in typing.get_args(tp):
            is_list = typing.get_origin(arg) is list
            if want_list and is_list:
                return arg
            if not want_list and isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
        return None
    if typing.get_origin(tp) is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0], want_list)
    return tp


def _data_loc(data: Any, loc: tuple) -> tuple:
    """Drop the parts of a Pydantic loc that name union branches, not data keys."""
    out = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            out.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            out.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and not any(c in part for c in "[]-,"):
            out.append(part)  # a missing or unknown key: keep it for the message
            node = None
        # else: a union tag such as 'list[constrained-str]' or 'Placeholder'
    return tuple(out)


def _describe(err: dict, tp, rel_loc: tuple) -> tuple[str, str]:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    field = rel_loc[-1] if rel_loc else ""
    if kind == "extra_forbidden":
        model = _model_at(tp, rel_loc[:-1])
        known = list(model.model_fields) if model else []
        hint = did_you_mean(field, known) or (f"known keys: {', '.join(known)}" if known else "")
        return f"unknown key '{field}'", hint
    if kind == "missing":
        return f"missing required key '{field}'", ""
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if pattern == ID_PATTERN:
            return (f"'{value}' is not a valid ID",
                    "IDs use letters, digits and '_', start with a letter and have at most 40 characters "
                    "(they become Word bookmark names)")
        if r"\d\.\d" in pattern or r"[1-9]\.[1-9]" in pattern:
            return f"'{value}' is not an ASEAN RPA-WPS output number", "write outputs as '1.1' ... '5.3'"
        return f"'{value}' does not match the expected form {pattern}", ""
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        return f"'{value}' is not allowed here; expected one of {expected}", did_you_mean(str(value), choices)
    if kind in ("int_parsing", "int_type", "float_parsing", "float_type", "string_type", "bool_type",
                "date_from_datetime_parsing", "date_parsing", "date_type", "list_type", "dict_type",
                "model_type", "model_attributes_type"):
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
        hint = ""
        if kind == "string_type" and isinstance(value, (int, float)):
            hint = f"quote it: '{value}'"
        if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
            hint = "write dates as YYYY-MM-DD"
        return f"{msg.rstrip('.').lower()} (got {shown})", hint
    return msg, ""


def _validate(tp, data: Any, file: LoadedFile, prefix: tuple, diags: list[Diagnostic]):
    try:
        return _adapter(tp).validate_python(data)
    except ValidationError as exc:
        seen = set()
        for err in exc.errors():
            rel = _data_loc(data, tuple(err["loc"]))
            message, hint = _describe(err, tp, rel)
            loc = prefix + rel
            key = (loc, message)
            if key in seen or file.is_bad(loc):  # the loader reported this value already
                continue
            seen.add(key)
            line, col = file.where(loc, key=err["type"] in ("extra_forbidden",))
            diags.append(Diagnostic(file.display, line, col, format_path(loc), message, hint=hint, code=err["type"]))
        return None


def build_plan(raw: RawPlan) -> tuple[Optional[Plan], list[Diagnostic]]:
    """Validate every file; return the Plan (None if it cannot be assembled) and the problems."""
    diags: list[Diagnostic] = list(raw.problems)
    lists: dict[str, list] = {k: [] for k in LIST_SECTIONS}
    singles: dict[str, Any] = {}
    single_origin: dict[str, LoadedFile] = {}
    origins: dict[int, Origin] = {}

    for f in raw.section_files:
        if not isinstance(f.data, dict):
            diags.append(Diagnostic(f.display, 1, 1, "", f"expected a mapping of sections at the top level, got {type(f.data).__name__}",
                                    hint=f"start the file with one of: {', '.join(ALL_SECTIONS)}"))
            continue
        for key, value in f.data.items():
            if key in LIST_SECTIONS:
                if not isinstance(value, list):
                    diags.append(f.diag((key,), f"'{key}' must be a list (items start with '- ')"))
                    continue
                for i, item in enumerate(value):
                    obj = _validate(LIST_SECTIONS[key], item, f, (key, i), diags)
                    if obj is not None:
                        lists[key].append(obj)
                        origins[id(obj)] = Origin(f, (key, i))
                    elif isinstance(item, dict) and isinstance(item.get("id"), str):
                        raw.unvalidated_ids.add(item["id"])
            elif key in SINGLE_SECTIONS:
                if key in singles or key in single_origin:
                    first = single_origin[key]
                    diags.append(f.diag((key,), f"'{key}' is defined twice (first in {first.display}:{first.where((key,), key=True)[0]})",
                                        key=True, hint="keep one definition"))
                    continue
                single_origin[key] = f
                obj = _validate(SINGLE_SECTIONS[key], value, f, (key,), diags)
                if obj is not None:
                    singles[key] = obj
                    origins[id(obj)] = Origin(f, (key,))
            else:
                diags.append(f.diag((key,), f"unknown section '{key}'", key=True,
                                    hint=did_you_mean(str(key), ALL_SECTIONS) or f"known sections: {', '.join(ALL_SECTIONS)}"))

    records: dict[str, list] = {k: [] for k in RECORD_FOLDERS}
    for folder, model in RECORD_FOLDERS.items():
        for f in raw.record_files.get(folder, []):
            obj = _validate(model, f.data, f, (), diags)
            if obj is not None:
                records[folder].append(obj)
                origins[id(obj)] = Origin(f, ())

    if "metadata" not in singles:
        if not raw.unreadable and not any(d.path.startswith("metadata") for d in diags):
            diags.append(Diagnostic(str(raw.root), None, None, "metadata", "no plan metadata found",
                                    hint="add a 'metadata:' section (title, version, date, period...) to plan.yaml"))
        return None, diags
    plan = Plan(root=raw.root, metadata=singles["metadata"], tor=singles.get("tor"), vision=singles.get("vision"),
                consultations=records["consultations"], feedback=records["feedback"],
                origins=origins, **lists)
    return plan, diags
