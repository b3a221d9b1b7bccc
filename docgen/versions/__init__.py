"""Versions: ``docgen release`` (snapshots), ``docgen diff`` (change log by stable ID),
``docgen redline`` (DOCX with native tracked changes), and the "Changes since OLD" annex."""
from __future__ import annotations

from .changes import Change, ChangeLog, compare
from .context import annex_context, changelog_context, changelog_markdown
from .snapshot import Release, previous_release, released_versions, resolve

__all__ = ["Change", "ChangeLog", "compare", "annex_context", "changelog_context", "changelog_markdown",
           "Release", "previous_release", "released_versions", "resolve"]
