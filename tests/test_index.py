"""The known-footage index: CLI commands, default location, transactional writes, the main
command's search with --index / --known on real footage, and the search index saved beside the file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from reuse_material import FIXTURES, excerpt
from verify.matching.footage import fingerprint_files, media_files
from verify.schema import report_schema
from verify.matching.store import Store

VERIFY = [sys.executable, "-m", "verify"]
MINISTRY = FIXTURES / "ministry.mp4"


def run(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*VERIFY, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A folder of known footage: the cup shot of ministry.mp4 (as an archive holds it) and a photo."""
    folder = tmp_path_factory.mktemp("archive")
    excerpt(MINISTRY, 16, 8, folder / "cup-2015.mp4")
    (folder / "photo.jpg").write_bytes((FIXTURES / "photo.jpg").read_bytes())
    (folder / "notes.txt").write_text("not media")
    return folder


@pytest.fixture(scope="module")
def db(archive, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "index.sqlite"
    p = run("index", "add", archive / "cup-2015.mp4", "--index", path, "--title", "Cup, archived",
            "--date", "2015-01-01", "--source", "Archive X")
    assert p.returncode == 0, p.stderr
    assert "#1" in p.stdout and "added 1 of 1" in p.stdout
    return path


def test_add_list_stats_remove(db, archive):
    p = run("index", "list", "--index", db, "--json", "-")
    assert p.returncode == 0, p.stderr
    refs = json.loads(p.stdout)
    assert len(refs) == 1
    assert (refs[0]["title"], refs[0]["date"], refs[0]["source"], refs[0]["kind"]) == (
        "Cup, archived", "2015-01-01", "Archive X", "video")
    assert refs[0]["duration_s"] == pytest.approx(8.0, abs=0.1)
    # the same file again is skipped, a folder adds the rest (the photo; notes.txt is not media)
    p = run("index", "add", archive, "--index", db)
    assert p.returncode == 0, p.stderr
    assert "already in the index as #1" in p.stderr and "added 1 of 2" in p.stdout
    stats = json.loads(run("index", "stats", "--index", db, "--json", "-").stdout)
    assert (stats["references"], stats["videos"], stats["images"]) == (2, 1, 1)
    assert stats["fingerprints"] > 1000 and stats["samples"] >= 60
    p = run("index", "remove", "2", "--index", db)
    assert p.returncode == 0 and "removed #2" in p.stdout
    assert run("index", "remove", "2", "--index", db).returncode == 2
    assert json.loads(run("index", "stats", "--index", db, "--json", "-").stdout)["references"] == 1


def test_default_location_and_bad_input(tmp_path, archive):
    env = {"VERIFY_INDEX": str(tmp_path / "env" / "idx.sqlite")}
    assert run("index", "add", archive / "photo.jpg", env=env).returncode == 0
    assert (tmp_path / "env" / "idx.sqlite").exists()
    assert json.loads(run("index", "stats", "--json", "-", env=env).stdout)["images"] == 1
    p = run("index", "add", tmp_path / "missing.mp4", "--index", tmp_path / "x.sqlite")
    assert p.returncode == 2 and p.stderr.startswith("verify: error:") and "Traceback" not in p.stderr
    p = run("index", "add", archive / "photo.jpg", "--index", tmp_path / "y.sqlite", "--date", "last year")
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr
    p = run("index", "list", "--index", tmp_path / "none.sqlite")
    assert p.returncode == 2 and "no index" in p.stderr


def test_interrupted_add_leaves_the_index_as_it_was(tmp_path, archive):
    path = tmp_path / "t.sqlite"
    with Store(path) as store:
        store.add_many(fingerprint_files([archive / "photo.jpg"], store))
        before = [(r.id, r.sha256) for r in store.refs()]

    def interrupted(items):
        for n, item in enumerate(items):
            if n == 1:
                raise KeyboardInterrupt  # Ctrl-C while the second file is being fingerprinted
            yield item

    with Store(path) as store:
        files = media_files(archive)  # the photo is already in: the video goes in first
        with pytest.raises(KeyboardInterrupt):
            store.add_many(interrupted(fingerprint_files(list(reversed(files)), store)))
    with Store(path) as store:
        assert [(r.id, r.sha256) for r in store.refs()] == before
        assert store.stats()["fingerprints"] == sum(r.prints for r in store.refs())
        assert store.db.execute("SELECT COUNT(*) FROM prints").fetchone()[0] == 1


def test_main_command_with_index_finds_the_reused_span(db, tmp_path):
    out = tmp_path / "r.json"
    p = run(MINISTRY, "--index", db, "--claimed-date", "2023-12-20", "--json", out)
    assert p.returncode == 0, p.stderr
    r = json.loads(out.read_text())
    jsonschema.validate(r, report_schema())  # a report with a reused finding follows the schema too
    assert r["reference_search"]["searched"] is True and r["reference_search"]["index"] == str(db)
    assert r["reference_search"]["references"] == 1 and r["reference_search"]["fingerprints"] > 1000
    assert len(r["reused"]) == 1
    f = r["reused"][0]
    assert set(f) == {"start_s", "end_s", "ref_start_s", "ref_end_s", "ref", "transform", "distance", "confidence",
                      "evidence", "window"}
    assert f["evidence"] == "picture+motion" and f["window"] == {"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}
    assert f["ref"]["kind"] == "video"
    assert f["start_s"] == pytest.approx(16.0, abs=0.5) and f["end_s"] == pytest.approx(24.0, abs=0.5)
    assert f["ref_start_s"] == pytest.approx(0.0, abs=0.5) and f["ref_end_s"] == pytest.approx(8.0, abs=0.5)
    assert f["ref"]["title"] == "Cup, archived" and f["ref"]["date"] == "2015-01-01"
    flag = next(x for x in r["flags"] if x["code"] == "reused_footage")
    assert flag["severity"] == "critical"  # archived in 2015, claimed to be from 2023 (and created 2020)
    assert "Cup, archived" in p.stdout and "0:16" in p.stdout
    assert run(MINISTRY, "--index", db, "--fail-on", "reused_footage", "-q").returncode == 1


def test_without_references_nothing_is_searched_and_known_folder(archive, tmp_path):
    out = tmp_path / "plain.json"
    assert run(FIXTURES / "cup.mp4", "--json", out, "-q").returncode == 0
    r = json.loads(out.read_text())
    assert r["reference_search"]["searched"] is False and r["reused"] == []
    out = tmp_path / "known.json"
    p = run(MINISTRY, "--known", archive, "--json", out, "-q")
    assert p.returncode == 0, p.stderr
    r = json.loads(out.read_text())
    assert r["reference_search"]["references"] == 2  # the clip and the photo; notes.txt is not media
    assert [(round(f["start_s"]), f["ref"]["title"]) for f in r["reused"]] == [(16, "cup-2015")]
    # undated footage is a warning, not critical
    assert next(x for x in r["flags"] if x["code"] == "reused_footage")["severity"] == "warning"
    p = run(MINISTRY, "--index", tmp_path / "missing.sqlite")
    assert p.returncode == 2 and "no such reference index" in p.stderr


def _consistent(path: Path) -> list[str]:
    """Integrity of the SQLite file, and every reference with its fingerprints (nothing half-added)."""
    with Store(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        refs = store.refs()
        assert store.db.execute("SELECT COUNT(*) FROM prints").fetchone()[0] == len(refs)
        assert store.stats()["fingerprints"] == sum(r.prints for r in refs)
        return sorted(Path(r.path).name for r in refs)


def test_two_processes_adding_at_once_both_land(tmp_path):
    path = tmp_path / "shared.sqlite"
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "photo.jpg").write_bytes((FIXTURES / "photo.jpg").read_bytes())
    (b / "rotated.mp4").write_bytes((FIXTURES / "rotated.mp4").read_bytes())
    procs = [subprocess.Popen([*VERIFY, "index", "add", str(folder), "--index", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for folder in (a, b)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    assert _consistent(path) == ["photo.jpg", "rotated.mp4"]


def test_kill_9_in_the_middle_of_an_add_leaves_a_usable_index(tmp_path):
    path = tmp_path / "k.sqlite"
    assert run("index", "add", FIXTURES / "photo.jpg", "--index", path).returncode == 0
    folder = tmp_path / "big"
    folder.mkdir()
    for name in ("cuts.mp4", "ministry.mp4", "scenes.mp4", "drive.mp4"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    p = subprocess.Popen([*VERIFY, "index", "add", str(folder), "--index", str(path)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)  # fingerprinting the folder takes longer than this
    assert p.poll() is None, "the add finished before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    assert _consistent(path) == ["photo.jpg"]  # the add was all or nothing
    assert run("index", "add", folder, "--index", path).returncode == 0  # and the index still works
    assert _consistent(path) == sorted(["photo.jpg", "cuts.mp4", "ministry.mp4", "scenes.mp4", "drive.mp4"])


def _open_and_count(path: str) -> str:
    try:
        with Store(path) as store:
            return str(store.stats()["references"])
    except Exception as exc:  # reported to the test, which shows it
        return repr(exc)


def test_many_processes_creating_the_same_new_index_all_succeed(tmp_path):
    # Before the fix, six processes opening one new file raced on the version stamp and on SQLite's
    # lock upgrade (19 failures in 240 openings); every opening must now succeed.
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(6) as pool:
        for n in range(8):
            results = pool.map(_open_and_count, [str(tmp_path / f"new{n}.sqlite")] * 6)
            assert results == ["0"] * 6, results


# -- the search index saved beside the SQLite file ------------------------------------------------------

SMALL_FLAT = 1000  # below the cup excerpt's ~3500 fingerprints: the inverted-file index is used


@pytest.fixture(scope="module")
def new_refs(archive) -> list:
    """The cup excerpt and the photo, fingerprinted once for the tests that fill their own index."""
    with Store(":memory:") as scratch:
        return list(fingerprint_files([archive / "cup-2015.mp4", archive / "photo.jpg"], scratch))


def _index_with(path: Path, refs: list) -> Path:
    with Store(path) as store:
        store.add_many(refs)
    return path


def _open(path: Path, flat_max: int = SMALL_FLAT):
    from verify.matching.search import ReferenceSet

    return ReferenceSet(Store(path, create=False), str(path), flat_max=flat_max)


def _answers(refs, queries) -> list:
    """Everything a search of ``refs`` gives for ``queries`` (its arrays and the pairs)."""
    pairs = refs.search(queries, 72)
    return [a.tolist() for a in (refs.hashes, refs.sample, refs.variant, refs.owner, pairs.query, pairs.ref_row,
                                 pairs.distance)]


def _queries(new_refs) -> np.ndarray:
    """Hashes near stored ones (every 7th fingerprint of both references with a few bits flipped)."""
    return np.concatenate([r.prints.prints.hashes[::7] for r in new_refs]) ^ np.uint8(0b1001)


def _no_build(*args, **kwargs):
    raise AssertionError("the index was rebuilt instead of loaded")


@pytest.mark.parametrize("flat_max", [SMALL_FLAT, 50_000])
def test_second_open_loads_the_saved_index(tmp_path, new_refs, monkeypatch, flat_max):
    from verify.matching import search

    db = _index_with(tmp_path / "i.sqlite", new_refs[:1])
    first = _open(db, flat_max)
    assert not first.from_sidecar
    saved = sorted(p.name for p in search.sidecar_dir(db).iterdir())
    assert len(saved) == 6 and saved[0].startswith("s0-3-n")  # 4 arrays, the FAISS index, the manifest
    monkeypatch.setattr(search, "build_faiss", _no_build)
    second = _open(db, flat_max)
    assert second.from_sidecar and type(second.index) is type(first.index)
    assert type(first.index).__name__ == ("IndexBinaryIVF" if flat_max == SMALL_FLAT else "IndexBinaryFlat")
    assert _answers(second, _queries(new_refs)) == _answers(first, _queries(new_refs))
    assert sorted(p.name for p in search.sidecar_dir(db).iterdir()) == saved  # loading writes nothing


def test_add_and_remove_make_the_saved_index_stale(tmp_path, new_refs, monkeypatch):
    from verify.matching import search

    db = _index_with(tmp_path / "i.sqlite", new_refs[:1])
    before = _answers(_open(db), _queries(new_refs))
    (search.sidecar_dir(db) / "notes.txt").write_text("not ours: kept")
    with Store(db) as store:  # what `verify index add` does
        store.add_many(new_refs[1:])
    grown = _open(db)
    assert not grown.from_sidecar and set(grown.owner.tolist()) == {1, 2}
    assert len(list(search.sidecar_dir(db).glob("*.json"))) == 1  # the old generation's files are gone
    assert len(list(search.sidecar_dir(db).iterdir())) == 7  # 6 of the new one, and notes.txt
    assert _open(db).from_sidecar
    with Store(db) as store:  # what `verify index remove 2` does
        assert store.remove(2)
    monkeypatch.setattr(search, "build_faiss", _no_build)
    with pytest.raises(AssertionError, match="rebuilt"):
        _open(db)
    monkeypatch.undo()
    shrunk = _open(db)
    assert not shrunk.from_sidecar and _answers(shrunk, _queries(new_refs)) == before
    assert _open(db).from_sidecar
    p = run("index", "remove", "1", "--index", db)  # the command line bumps the generation too
    assert p.returncode == 0, p.stderr
    empty = _open(db)
    assert not empty.from_sidecar and len(empty) == 0 and len(empty.search(_queries(new_refs), 72).query) == 0


@pytest.mark.parametrize("damage", ["truncated index", "garbage hashes", "garbage manifest", "missing owner",
                                    "other index"])
def test_a_damaged_saved_index_is_rebuilt(tmp_path, new_refs, damage):
    from verify.matching import search

    db = _index_with(tmp_path / "i.sqlite", new_refs)
    fresh = _answers(_open(db), _queries(new_refs))
    folder = search.sidecar_dir(db)
    part = {p.name.split(".", 1)[1]: p for p in folder.iterdir()}
    if damage == "truncated index":
        data = part["index.faiss"].read_bytes()
        part["index.faiss"].write_bytes(data[: len(data) // 2])
    elif damage == "garbage hashes":
        data = bytearray(part["hashes.npy"].read_bytes())
        data[200:264] = os.urandom(64)  # same size, other bytes
        part["hashes.npy"].write_bytes(bytes(data))
    elif damage == "garbage manifest":
        part["json"].write_bytes(b"\x00garbage{")
    elif damage == "missing owner":
        part["owner.npy"].unlink()
    else:  # a valid FAISS file of other data under this name
        other = _open(_index_with(tmp_path / "other.sqlite", new_refs[:1]))
        import faiss

        faiss.write_index_binary(other.index, str(part["index.faiss"]))
    rebuilt = _open(db)
    assert not rebuilt.from_sidecar and _answers(rebuilt, _queries(new_refs)) == fresh
    reloaded = _open(db)  # the rebuilt index was saved again
    assert reloaded.from_sidecar and _answers(reloaded, _queries(new_refs)) == fresh


def test_unwritable_folder_keeps_the_index_in_memory(tmp_path, new_refs, monkeypatch):
    import tempfile

    from verify.matching import search

    db = _index_with(tmp_path / "i.sqlite", new_refs)
    folder = search.sidecar_dir(db)
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes into read-only folders: fail as the folder would
        def denied(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", denied)
    try:
        first, second = _open(db), _open(db)
        assert not first.from_sidecar and not second.from_sidecar
        assert list(folder.iterdir()) == []
        assert _answers(first, _queries(new_refs)) == _answers(second, _queries(new_refs))
    finally:
        folder.chmod(0o755)
    monkeypatch.undo()
    assert not _open(db).from_sidecar and _open(db).from_sidecar  # writable again: saved, then loaded


def test_index_from_before_the_generation_counter(tmp_path, new_refs):
    from verify.matching import search

    db = _index_with(tmp_path / "old.sqlite", new_refs[:1])
    with Store(db) as store:  # as verify wrote it before: no generation, no change id
        store.db.execute("DELETE FROM meta WHERE key IN ('generation', 'change_id')")
        assert store.stamp()["generation"] == 0
    first = _open(db)
    assert not first.from_sidecar and len(first) == new_refs[0].prints.prints.hashes.shape[0]
    assert [p.name[:5] for p in search.sidecar_dir(db).glob("*.json")] == ["s0-3-"]
    assert _open(db).from_sidecar
    with Store(db) as store:  # an older verify adding (no generation bump): the counts still tell
        store.db.execute("DELETE FROM meta WHERE key = 'generation'")
        store.add_many(new_refs[1:])
        store.db.execute("DELETE FROM meta WHERE key IN ('generation', 'change_id')")
    grown = _open(db)
    assert not grown.from_sidecar and set(grown.owner.tolist()) == {1, 2}
    with Store(db) as store:  # and this verify counts on from 0
        store.remove(2)
        assert store.stamp()["generation"] == 1
    assert set(_open(db).owner.tolist()) == {1}


def test_a_new_index_with_the_same_counts_is_not_taken_for_the_old(tmp_path, new_refs):
    import dataclasses

    db = _index_with(tmp_path / "i.sqlite", new_refs[:1])
    _open(db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    ref = new_refs[0]
    other = dataclasses.replace(ref, prints=dataclasses.replace(
        ref.prints, prints=dataclasses.replace(ref.prints.prints, hashes=ref.prints.prints.hashes ^ np.uint8(0xFF))))
    _index_with(db, [other])  # generation 1, one reference, same fingerprint count: other hashes
    again = _open(db)
    assert not again.from_sidecar
    assert np.array_equal(again.hashes, other.prints.prints.hashes)


def test_in_memory_store_saves_nothing(tmp_path, new_refs, monkeypatch):
    from verify.matching.search import ReferenceSet

    monkeypatch.chdir(tmp_path)
    store = Store(":memory:")
    store.add_many(new_refs)
    refs = ReferenceSet(store, "known", flat_max=SMALL_FLAT)
    assert not refs.from_sidecar and len(refs) > 1000
    assert list(tmp_path.iterdir()) == []


def _open_and_answer(args: tuple) -> tuple:
    db, queries = args
    refs = _open(Path(db))
    return refs.from_sidecar, _answers(refs, queries)


def test_processes_opening_a_new_index_at_once(tmp_path, new_refs):
    import multiprocessing

    db = _index_with(tmp_path / "i.sqlite", new_refs)
    queries = _queries(new_refs)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        results = pool.map(_open_and_answer, [(str(db), queries)] * 3)
    assert all(answers == results[0][1] for _, answers in results)
    last = _open(db)
    assert last.from_sidecar and _answers(last, queries) == results[0][1]


@pytest.mark.parametrize("shuffled", [False, True])  # rows in reference order (as stored), or not
def test_weak_shots_get_an_exact_second_look(shuffled):
    """The inverted file misses some true neighbours; a shot left with too few matched samples of a
    reference is compared with that reference exactly, so it can still be aligned."""
    from verify.matching.search import ReferenceSet, build_faiss

    rng = np.random.default_rng(7)
    n = 2000
    hashes = rng.integers(0, 256, (3 * n, 32), dtype=np.uint8)  # three synthetic references, no store
    sample = np.tile(np.arange(n, dtype=np.int32), 3)
    owner = np.repeat(np.arange(1, 4, dtype=np.int32), n)
    row_of = np.arange(3 * n)  # where each original row ends up
    if shuffled:
        order = rng.permutation(3 * n)
        hashes, sample, owner = hashes[order], sample[order], owner[order]
        row_of[order] = np.arange(3 * n)
    refs = ReferenceSet.from_arrays(hashes, sample, np.zeros(3 * n, np.int16), owner,
                                    build_faiss(hashes, flat_max=0))
    refs.segments[0].index.nprobe = 1  # a poor first pass on purpose

    def near(rows: np.ndarray, bits: int) -> np.ndarray:
        out = refs.hashes[rows].copy()
        for h in out:
            for b in rng.choice(256, bits, replace=False):
                h[b // 8] ^= np.uint8(1 << (b % 8))
        return out

    # shot 0: three samples of reference 2 (the first one untouched, so the first pass finds it),
    # shot 1: forty samples of reference 3; then ten samples of nothing known
    shot0 = np.concatenate([refs.hashes[row_of[[n + 100]]], near(row_of[[n + 102, n + 104]], 40)])
    shot1 = near(row_of[2 * n + 500 + 2 * np.arange(40)], 30)
    hashes = np.concatenate([shot0, shot1, rng.integers(0, 256, (10, 32), dtype=np.uint8)])
    sample = np.arange(len(hashes))
    shot = np.repeat([0, 1, 2], [3, 40, 10])
    first = refs.search(hashes, 72)
    both = refs.search_shots(hashes, 72, sample, shot, 3)
    got_first = set(zip(first.query.tolist(), first.ref_row.tolist()))
    got = set(zip(both.query.tolist(), both.ref_row.tolist()))
    assert got_first <= got
    assert {(0, row_of[n + 100]), (1, row_of[n + 102]), (2, row_of[n + 104])} <= got  # the weak shot: all found
    assert len({q for q, _ in got_first if q < 3}) < 3  # (the first pass alone left it weak)
    assert not any(q >= 43 for q, _ in got)  # nothing made up for the unknown samples
    nothing = rng.integers(0, 256, (20, 32), dtype=np.uint8)  # a clip with no known footage
    plain = refs.search(nothing, 72)
    again = refs.search_shots(nothing, 72, np.arange(20), np.zeros(20, int), 3)
    assert plain.query.tolist() == again.query.tolist() == []


def test_windows_are_searched_in_two_stages():
    """``search_areas``: the edge areas at every sample, the windows at one sample in ``WINDOW_STRIDE``
    first; a window with a pair there is searched at every sample, and then its pairs, like the edge
    areas', are those of searching every hash at once; a window with nothing at those samples is left."""
    from verify.fingerprint.prints import EDGE_AREAS
    from verify.matching.reuse import RADIUS, WINDOW_STRIDE, search_areas
    from verify.matching.search import ReferenceSet, build_faiss

    rng = np.random.default_rng(11)
    n = 3000
    ref_hashes = rng.integers(0, 256, (3 * n, 32), dtype=np.uint8)
    refs = ReferenceSet.from_arrays(ref_hashes, np.tile(np.arange(n, dtype=np.int32), 3), np.zeros(3 * n, np.int16),
                                    np.repeat(np.arange(1, 4, dtype=np.int32), n), build_faiss(ref_hashes, flat_max=0))

    def near(rows: np.ndarray, bits: int = 20) -> np.ndarray:
        out = ref_hashes[rows].copy()
        for h in out:
            for b in rng.choice(256, bits, replace=False):
                h[b // 8] ^= np.uint8(1 << (b % 8))
        return out

    k = 40  # clip samples
    w1, w2 = 2 * len(EDGE_AREAS), 2 * len(EDGE_AREAS) + 2  # window1's and window2's plain variant codes
    full = near(100 + np.arange(k))  # the whole picture: reference 1 throughout
    win1 = rng.integers(0, 256, (k, 32), dtype=np.uint8)
    win1[10:20] = near(n + 500 + np.arange(10))  # window1: reference 2 for ten samples
    win2 = rng.integers(0, 256, (k, 32), dtype=np.uint8)
    lone = next(s for s in range(k) if s % WINDOW_STRIDE)  # window2: one known sample, between the first stage's
    win2[lone] = near(np.array([2 * n + 700]))[0]
    hashes = np.concatenate([full, win1, win2])
    sample = np.tile(np.arange(k), 3)
    variant = np.repeat([0, w1, w2], k)
    shot = np.zeros(k, int)
    two = search_areas(refs, hashes, sample, variant, shot)
    one = refs.search_shots(hashes, RADIUS, sample, shot, 3)

    def pairs_of(p, code: int) -> set:
        return {(q, r, d) for q, r, d in zip(p.query.tolist(), p.ref_row.tolist(), p.distance.tolist())
                if variant[q] == code}

    for code in (0, w1):
        assert pairs_of(two, code) == pairs_of(one, code)
    assert len({sample[q] for q, _, _ in pairs_of(two, w1)}) >= 8  # window1: nearly all ten samples, not just the seeds
    assert pairs_of(one, w2) and not pairs_of(two, w2)  # the lone sample is the price of the first stage
