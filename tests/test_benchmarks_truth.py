"""The shot corpus's truth (benchmarks/shots_truth.json) is well formed, and corpus.py's and
shots_accuracy.py's set selection picks the clips it says: ``--held-out`` the sixteen of the first
blind set (session 7), ``--set PREFIX`` the clips whose ``set`` starts with PREFIX."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _corpus():
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _corpus()
CLIPS = corpus.load_truth()["clips"]


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_truth_entry_is_well_formed(name):
    clip = CLIPS[name]
    source = clip["source"]
    assert source["kind"] in {"github", "pypi", "debian"}
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert source["file"] and source["path"] and source["licence"]
    if source["kind"] == "github":
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]) and "/" in source["repo"]
    frames = clip["frames"]
    assert frames > 0 and clip["fps"] > 0
    marks = [b["frame"] for b in clip["boundaries"]]
    assert marks == sorted(set(marks)), "boundaries in order, each once"
    for b in clip["boundaries"]:
        assert 0 < b["frame"] < frames and b["time_s"] >= 0
        if b["type"] == "cut":
            assert "first" not in b and "last" not in b
        else:
            assert b["type"] in {"fade", "dissolve", "wipe"}
            assert 0 < b["first"] <= b["frame"] <= b["last"] < frames
    for lo, hi in clip.get("ambiguous", []):
        assert 0 <= lo <= hi < frames
        # a true boundary is never inside a span the truth leaves unscored
        assert not any(lo <= b.get("first", b["frame"]) <= hi or lo <= b.get("last", b["frame"]) <= hi
                       for b in clip["boundaries"])


def test_sources_are_distinct_files():
    shas = [clip["source"]["sha256"] for clip in CLIPS.values()]
    files = [clip["source"]["file"] for clip in CLIPS.values()]
    assert len(set(shas)) == len(shas) and len(set(files)) == len(files)


def test_held_out_is_still_the_first_blind_set_and_set_selects_by_prefix():
    first = corpus.in_set(corpus.HELD_OUT)
    second = corpus.in_set("held-out 2")
    assert len(first) == 16 and {"steel-battle", "pet-slides", "football-wide"} <= first
    assert len(second) == 13 and {"concat-transitions", "split-hands"} <= second
    third = corpus.in_set("held-out 3")
    assert len(third) == 11 and {"ap-newsminute", "lightning-night"} <= third
    assert not first & second and not first & third and not second & third
    assert corpus.in_set("held-out") == first | second | third
    assert corpus.in_set("no such set") == set()


def test_corpus_rejects_an_unknown_set_before_touching_the_cache(tmp_path):
    out = tmp_path / "cache"
    p = subprocess.run([sys.executable, str(BENCH / "corpus.py"), "--out", str(out), "--set", "no such set"],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "no clip of shots_truth.json has a set starting with 'no such set'" in p.stderr
    assert not out.exists()
