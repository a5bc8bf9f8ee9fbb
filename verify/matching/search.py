"""A reference set in memory: every stored hash in one FAISS binary index, and who owns each hash.

Small sets (up to ``FLAT_MAX`` hashes) are searched exactly (``IndexBinaryFlat``); larger ones through
an inverted file (``IndexBinaryIVF``): ``nlist`` centroids, ``NPROBE`` lists visited per query hash.
The centroids are a random sample of the stored hashes, not k-means: PDQ hashes of video drift by
tens of bits within a second and a crop of a frame is ~116 bits from the frame, so the hashes spread
over the 256-bit space with little cluster structure to find, and k-means over ten million hashes
costs many minutes.  ``nlist = sqrt(NPROBE * n / 2)`` keeps the two costs of a query (comparing
with every centroid, scanning the visited lists) near their minimum while keeping the build (every
hash compared with every centroid) affordable.  The visited lists hold only a part of the true
neighbours of one query hash (70-80 % of those a transformed copy leaves, see
``benchmarks/index_scale.py``), but a reused span has four clip samples a second and alignment needs
three per shot, so spans are still found, save now and then a shot of a second or less.  The index
is rebuilt from the SQLite blobs each time the set is opened (``benchmarks/index_scale.py``
measures how long that takes); nothing but the SQLite file needs to be kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fingerprint.pdq import HASH_BYTES
from ..fingerprint.prints import Prints
from .store import RefInfo, Store

FLAT_MAX = 50_000
NPROBE = 64  # inverted lists visited per query hash
NLIST_MAX = 65_536


def build_faiss(hashes: np.ndarray, flat_max: int = FLAT_MAX, nprobe: int = NPROBE):
    """A FAISS binary index over ``hashes`` (n, 32): exact when small, inverted file when large."""
    import faiss

    bits = HASH_BYTES * 8
    n = len(hashes)
    if n <= flat_max:
        index = faiss.IndexBinaryFlat(bits)
    else:
        nlist = int(min(NLIST_MAX, max(256, np.sqrt(nprobe * n / 2))))
        quantizer = faiss.IndexBinaryFlat(bits)
        rng = np.random.default_rng(0)
        quantizer.add(np.ascontiguousarray(hashes[np.sort(rng.choice(n, size=nlist, replace=False))]))
        index = faiss.IndexBinaryIVF(quantizer, bits, nlist)
        index.train(np.ascontiguousarray(hashes[:1]))  # the quantizer is complete: nothing to learn
        index.nprobe = nprobe
        index.own_fields = True
        quantizer.this.disown()
    if n:
        index.add(np.ascontiguousarray(hashes))
    return index


@dataclass
class Pairs:
    """Query-hash / reference-hash pairs within the search radius."""

    query: np.ndarray  # row in the query's Prints
    ref_row: np.ndarray  # row in the reference set
    distance: np.ndarray


class ReferenceSet:
    """All references of a store, ready to search.  ``name`` is what the report says was searched."""

    def __init__(self, store: Store, name: str):
        self.store = store
        self.name = name
        self.refs: dict[int, RefInfo] = {r.id: r for r in store.refs()}
        chunks: list[Prints] = []
        owners: list[np.ndarray] = []
        for ref_id, prints in store.load_hashes():
            chunks.append(prints)
            owners.append(np.full(len(prints), ref_id, np.int32))
        if chunks:
            self.hashes = np.concatenate([c.hashes for c in chunks])
            self.sample = np.concatenate([c.sample for c in chunks])
            self.variant = np.concatenate([c.variant for c in chunks])
            self.owner = np.concatenate(owners)
        else:
            self.hashes = np.zeros((0, HASH_BYTES), np.uint8)
            self.sample = np.zeros(0, np.int32)
            self.variant = np.zeros(0, np.int16)
            self.owner = np.zeros(0, np.int32)
        self.index = build_faiss(self.hashes)

    def __len__(self) -> int:
        return len(self.hashes)

    def search(self, hashes: np.ndarray, radius: int) -> Pairs:
        """Every stored hash within ``radius`` bits of each query hash."""
        if not len(hashes) or not len(self):
            empty = np.zeros(0, np.int64)
            return Pairs(empty, empty, empty)
        # FAISS keeps distances strictly below the radius
        lims, dist, rows = self.index.range_search(np.ascontiguousarray(hashes, dtype=np.uint8), radius + 1)
        query = np.repeat(np.arange(len(hashes)), np.diff(lims.astype(np.int64)))
        keep = rows >= 0
        return Pairs(query[keep], rows[keep].astype(np.int64), dist[keep].astype(np.int64))
