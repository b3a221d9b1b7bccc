"""The content-addressed cache: one computation per key, in memory and on disk."""
from __future__ import annotations

import pytest

from docgen import cache


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.setattr(cache, "_memory", {})
    monkeypatch.setattr(cache, "_memory_size", 0)
    cache.use(tmp_path / "c")
    yield tmp_path / "c"
    cache.use(None)


def test_computed_once_per_key_and_kept_on_disk(fresh, monkeypatch):
    calls = []
    compute = lambda: calls.append(1) or b"png bytes"  # noqa: E731
    assert cache.cached("chart", "key-1", compute) == b"png bytes"
    assert cache.cached("chart", "key-1", compute) == b"png bytes"
    assert cache.cached("chart", "key-2", compute) == b"png bytes"
    assert len(calls) == 2
    assert sorted(p.parent.name for p in fresh.rglob("*") if p.is_file()) == ["chart", "chart"]
    monkeypatch.setattr(cache, "_memory", {})  # a new process: read from disk
    assert cache.cached("chart", "key-1", lambda: pytest.fail("recomputed")) == b"png bytes"


def test_prune_drops_entries_unused_for_a_month_and_the_oldest_beyond_the_size_limit(fresh, monkeypatch):
    import os
    import time

    for key in ("old", "recent", "newest"):
        cache.cached("chart", key, lambda k=key: k.encode() * 100)
    files = {p.read_bytes()[:3]: p for p in fresh.rglob("*") if p.is_file()}
    now = time.time()
    os.utime(files[b"old"], (now - 40 * 86400, now - 40 * 86400))
    os.utime(files[b"rec"], (now - 10, now - 10))
    monkeypatch.setattr(cache, "_memory", {})
    cache.cached("chart", "newest", lambda: pytest.fail("recomputed"))  # a hit counts as a use
    assert cache.prune() == 1 and not files[b"old"].exists()
    assert cache.prune(max_bytes=len(b"newest") * 100) == 1  # the least recently used goes first
    assert files[b"new"].exists() and not files[b"rec"].exists()


def test_a_chart_is_compiled_once_for_the_same_content(fresh, monkeypatch):
    import typst

    from docgen.chart import Bar, render_chart

    real, calls = typst.compile, []
    monkeypatch.setattr(typst, "compile", lambda *a, **k: calls.append(1) or real(*a, **k))
    legend = {"female": "Women", "male": "Men", "unstated": "not stated", "female_short": "W", "male_short": "M"}
    args = dict(title="Participants", legend=legend, lang="en")
    one = render_chart([Bar("Ministries", 10, 6, 4)], **args)
    assert render_chart([Bar("Ministries", 10, 6, 4)], **args) == one and len(calls) == 1
    assert render_chart([Bar("Ministries", 11, 7, 4)], **args) != one and len(calls) == 2
    assert one.startswith(b"\x89PNG")


def test_the_build_workers_keep_their_results_in_the_build_cache(tmp_path, monkeypatch):
    """The worker processes write the text layer (and the DOCX layout answers, when
    LibreOffice is there) into the output folder's cache, where the next build finds them."""
    from pathlib import Path

    from docgen import build

    monkeypatch.setattr(build, "PARALLEL", "processes")
    data = Path(__file__).resolve().parent.parent / "plan_data"
    build.build(data, ["tor"], ["km"], ["pdf", "docx"], tmp_path, log=lambda *_: None)
    root = tmp_path / build.CACHE_DIR
    assert len(list((root / "khmer-text").iterdir())) == 1
    if build_has_layout():
        assert len(list((root / "docx-layout").iterdir())) == 1


def build_has_layout() -> bool:
    import os

    from docgen.docx import layout

    return os.environ.get(layout.SWITCH_ENV, "").lower() not in ("off", "0", "no", "false") and layout._client.available()
