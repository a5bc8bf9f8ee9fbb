"""A reference set in memory: every stored hash in one FAISS binary index, and who owns each hash.

Small sets (up to ``FLAT_MAX`` hashes) are searched exactly (``IndexBinaryFlat``); larger ones through
an inverted file (``IndexBinaryIVF``, k-means over a sample of the hashes, ``nprobe`` lists visited
per query), which keeps a query of a one-minute clip against ten million hashes in milliseconds.
The index is rebuilt from the SQLite blobs each time the set is opened (``benchmarks/index_scale.py``
measures how long that takes); nothing but the SQLite file needs to be kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fingerprint.pdq import HASH_BYTES
from ..fingerprint.prints import Prints
from .store import RefInfo, Store

FLAT_MAX = 50_000
NPROBE = 32
TRAIN_MAX = 262_144  # hashes the IVF k-means is trained on


def build_faiss(hashes: np.ndarray, flat_max: int = FLAT_MAX, nprobe: int = NPROBE):
    """A FAISS binary index over ``hashes`` (n, 32): exact when small, inverted file when large."""
    import faiss

    bits = HASH_BYTES * 8
    n = len(hashes)
    if n <= flat_max:
        index = faiss.IndexBinaryFlat(bits)
    else:
        nlist = int(min(65536, max(256, 4 * np.sqrt(n))))
        quantizer = faiss.IndexBinaryFlat(bits)
        index = faiss.IndexBinaryIVF(quantizer, bits, nlist)
        rng = np.random.default_rng(0)
        train = hashes[rng.choice(n, size=min(n, max(TRAIN_MAX, 40 * nlist)), replace=False)]
        index.train(np.ascontiguousarray(train))
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
