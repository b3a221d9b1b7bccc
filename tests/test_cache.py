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
