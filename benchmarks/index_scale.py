"""Scale of the known-footage search: build time, memory and query time of the FAISS binary index.

For N synthetic fingerprints (random 256-bit PDQ-sized hashes; 1M and 10M by default) it builds the
index exactly as ``verify.matching.search.build_faiss`` does for a real index (IVF above 50 000
hashes), then queries it with the hashes of a 60 s clip (4 samples a second, plain + mirrored =
480 queries) by a range search at verify's radius.  Each query hash has a planted neighbour in the
index (20-60 bits away, like a re-encoded copy) so the recall of the approximate search is measured
too.  Memory is the process's resident-set growth while the hashes and the index are held.

    .venv/bin/python benchmarks/index_scale.py            # 1M and 10M
    .venv/bin/python benchmarks/index_scale.py --sizes 1000000

Targets (issue 3): 10M fingerprints in < 4 GB RAM, a 60 s clip's query < 100 ms.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from verify.matching.reuse import RADIUS
from verify.matching.search import build_faiss

QUERIES = 60 * 4 * 2


def rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def flip_bits(h: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = h.copy()
    for b in rng.choice(256, size=n, replace=False):
        out[b // 8] ^= np.uint8(1 << (b % 8))
    return out


def run(n: int, rng: np.random.Generator) -> dict[str, float]:
    base = rss_bytes()
    hashes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, size=(QUERIES, 32), dtype=np.uint8)
    where = rng.choice(n, size=QUERIES, replace=False)
    for q, w in zip(queries, where):
        hashes[w] = flip_bits(q, int(rng.integers(20, 61)), rng)
    t = time.perf_counter()
    index = build_faiss(hashes)
    build = time.perf_counter() - t
    held = rss_bytes() - base
    del hashes  # a ReferenceSet keeps the hashes too; both are counted above
    times = []
    for _ in range(5):
        t = time.perf_counter()
        lims, dist, rows = index.range_search(queries, RADIUS + 1)
        times.append(time.perf_counter() - t)
    found = sum(int(w in rows[lims[i]:lims[i + 1]]) for i, w in enumerate(where))
    return {"n": n, "kind": type(index).__name__, "build_s": build, "memory_gb": held / 1e9,
            "query_ms": 1000 * float(np.median(times)), "recall": found / QUERIES}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'fingerprints':>12}  {'index':<15} {'build s':>8} {'memory GB':>10} {'query ms':>9} {'recall':>7}")
    ok = True
    for n in args.sizes:
        r = run(n, rng)
        print(f"{r['n']:>12,}  {r['kind']:<15} {r['build_s']:>8.1f} {r['memory_gb']:>10.2f} {r['query_ms']:>9.1f} "
              f"{r['recall']:>7.2f}")
        if n >= 10_000_000:
            ok &= r["memory_gb"] < 4.0 and r["query_ms"] < 100
    print("targets (10M < 4 GB, query < 100 ms):", "PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
