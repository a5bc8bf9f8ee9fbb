"""A reference set in memory: every stored hash in FAISS binary indexes, one per segment, and who owns each hash.

Small sets (up to ``FLAT_MAX`` hashes) are searched exactly (``IndexBinaryFlat``); larger ones through
inverted files (``IndexBinaryIVF``), whose lists hold ``list_length`` hashes each (``~sqrt(n / 32)``,
a power of two) and of which a query hash visits ``NPROBE`` in one index over everything.  The
centroids are a random sample of the stored hashes, not k-means: PDQ hashes of video drift by tens
of bits within a second and a crop of a frame is ~116 bits from the frame, so the hashes spread over
the 256-bit space with little global cluster structure to find, and k-means over ten million hashes
costs many minutes; but a shot's hashes form a chain, and centroids sampled from the hashes sit on
those chains.
``nlist = sqrt(NPROBE * n / 2)`` keeps the two costs of a query (comparing with every centroid,
scanning the visited lists) near their minimum while keeping the build (every hash compared with
every centroid) affordable.  The visited lists hold only a part of the true neighbours of one query
hash (70-80 % of those a transformed copy leaves, see ``benchmarks/index_scale.py``); a reused span
has four clip samples a second and alignment needs three per shot, so a long shot has samples to
spare, and a short one left with one or two matched samples of a reference gets an exact second
look at that reference near those moments (``search_shots``): the first pass tells where to look,
the second does not miss.

**Segments.**  Building costs minutes at ten million hashes, a query well under a second, and verify
is run clip after clip against an index that a team adds to all day; so the references are cut
into segments by id (``segment_blocks``: aligned blocks of ids, merged like a binary counter), each
with its own FAISS index, saved and loaded on its own.  An add changes only the newest, open block
(a few references; now and then two closed blocks are merged into one), a remove only the block of
its reference: opening the index after either reads and builds that block alone and loads the
others.  Every segment's lists hold the same number of hashes, its centroids are sampled from its
own hashes, and a query visits in each segment its share of the lists (``segment_probes``): the
same number of stored hashes as in one index over everything, plus the centroids of each segment.
Exact (flat) segments give exactly the pairs of one exact index; the pairs are merged in (query,
row) order, whatever the segments.  A segment that is not saved yet is read and built inside the
store's snapshot, one at a time, saved and opened memory-mapped before the next: a first open holds
one segment's arrays in memory, not the whole index's (and keeps the snapshot open meanwhile).

The saved segments live beside the SQLite file, in ``<index>.search/`` (``sidecar_dir``), or in the
user cache folder for a PostgreSQL index (``PgStore.search_cache()``).  A segment's files are named
by its id block, its fingerprint count and a digest of what it holds (each reference's id, SHA-256,
fingerprint count and time added, the store's random id) and of the build recipe (FAISS version,
the list length):

    s<first id>-<last id>-n<fingerprints>-<16 hex>.{hashes,sample,variant,owner}.npy, .index.faiss
    s<first id>-<last id>-n<fingerprints>-<16 hex>.json    (size and CRC-32 of each file)

so a segment whose references changed is never looked for.  Each file is written to a temporary
name, fsynced and renamed, the ``.json`` last; a set of files is used only when the ``.json`` exists
and every size and CRC matches (a damaged, truncated or half-replaced segment is rebuilt from the
store, never trusted), and is opened memory-mapped (``IO_FLAG_MMAP``, ``mmap_mode="r"``): the pages
are read on demand and shared by every process that has the index open (``verify scan --jobs N``).
Any failure to load means a rebuild of that segment; any failure to save (read-only folder, full
disk) leaves it in memory only.  Two files with the same key hold the same bytes (the build is
deterministic), so two processes saving at once cannot leave a mixed set.  After a rebuild, the
folder's segments that are no longer part of the index are deleted.  In-memory stores (``--known``)
save nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..atomic import publish
from ..fingerprint.pdq import HASH_BYTES
from ..fingerprint.prints import Prints
from ..fingerprint.sampling import REF_SAMPLES_PER_SECOND, SAMPLES_PER_SECOND
from .store import IndexStore, RefInfo, Store

FLAT_MAX = 50_000
NPROBE = 64  # inverted lists visited per query hash
NLIST_MAX = 65_536
NPROBE_MIN = 8  # lists a query visits in a small segment at least (``segment_probes``)
RETRY_DISTANCE = 56  # a weak shot gets a second look when a pair of it is this close (true pairs: median 27 bits)
RETRY_MAX = 8  # second looks per clip at most, the best-supported first (bounds the query time)


def lists_for(n: int, flat_max: int = FLAT_MAX, nprobe: int = NPROBE) -> int:
    """How many inverted lists one index of ``n`` hashes has: 0 (exact, flat) up to ``flat_max``, else
    ``sqrt(nprobe * n / 2)`` within [256, ``NLIST_MAX``]."""
    if n <= flat_max:
        return 0
    return int(min(n, NLIST_MAX, max(256, np.sqrt(nprobe * n / 2))))


def list_length(total: int, flat_max: int = FLAT_MAX, nprobe: int = NPROBE) -> int:
    """How many hashes an inverted list of an index of ``total`` hashes holds on average, for every
    segment of it (0: the index is small enough to search exactly).  ``total / lists_for(total)`` as a
    power of two, so that it changes only when the index grows or shrinks fourfold."""
    nlist = lists_for(total, flat_max, nprobe)
    return 0 if not nlist else int(2 ** round(np.log2(total / nlist)))


def segment_lists(n: int, length: int) -> int:
    """Inverted lists of a segment of ``n`` hashes when every list holds ``length`` (0: flat)."""
    return 0 if not length else int(min(n, max(1, round(n / length))))


def segment_probes(n: int, total: int, length: int, nlist: int, flat_max: int = FLAT_MAX,
                   nprobe: int = NPROBE) -> int:
    """Lists a query visits in a segment of ``n`` of the index's ``total`` hashes, whose lists hold
    ``length`` hashes: as many as visit the segment's share of the hashes that one index over all would
    visit (``nprobe`` lists of ``total / lists_for(total)``), so that a query costs what it costs in
    one index; at least ``NPROBE_MIN``."""
    whole = lists_for(total, flat_max, nprobe)
    share = nprobe * (total / max(1, whole)) * (n / max(1, total)) / max(1, length)
    return int(min(nlist, max(NPROBE_MIN, round(share))))


def build_faiss(hashes: np.ndarray, flat_max: int = FLAT_MAX, nprobe: int = NPROBE, nlist: int | None = None):
    """A FAISS binary index over ``hashes`` (n, 32): exact (``IndexBinaryFlat``) when ``nlist`` is 0,
    else an inverted file of ``nlist`` lists whose centroids are a random sample of ``hashes``;
    ``nlist`` defaults to ``lists_for(n)``."""
    import faiss

    bits = HASH_BYTES * 8
    n = len(hashes)
    nlist = lists_for(n, flat_max, nprobe) if nlist is None else min(nlist, n)
    if not nlist:
        index = faiss.IndexBinaryFlat(bits)
    else:
        quantizer = faiss.IndexBinaryFlat(bits)
        rng = np.random.default_rng(0)
        quantizer.add(np.ascontiguousarray(hashes[np.sort(rng.choice(n, size=nlist, replace=False))]))
        index = faiss.IndexBinaryIVF(quantizer, bits, nlist)
        index.train(np.ascontiguousarray(hashes[:1]))  # the quantizer is complete: nothing to learn
        index.nprobe = min(nprobe, nlist)
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


class Column:
    """One column (hashes, sample, variant or owner) of every segment, read as one array by row numbers
    counted across the segments (``ReferenceSet.offsets``); the segments' arrays stay memory-mapped."""

    def __init__(self, parts: list[np.ndarray], offsets: np.ndarray):
        self.parts = parts
        self.offsets = offsets  # first row of each part, and the total at the end
        self.dtype = parts[0].dtype
        self.shape = (int(offsets[-1]), *parts[0].shape[1:])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.int64, copy=False)
        part = np.searchsorted(self.offsets, rows, side="right") - 1
        out = np.empty((len(rows), *self.shape[1:]), self.dtype)
        for k in np.unique(part).tolist():
            m = part == k
            out[m] = self.parts[k][rows[m] - self.offsets[k]]
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = np.concatenate(self.parts) if self.parts else np.zeros(self.shape, self.dtype)
        return whole if dtype is None else whole.astype(dtype)

    def tolist(self) -> list:
        return np.asarray(self).tolist()


@dataclass
class Segment:
    """The references with ids in ``[first_id, last_id]`` (one block of ``segment_blocks``): their
    fingerprints, their FAISS index, and whether both were loaded from the cache folder."""

    first_id: int
    last_id: int
    key: str
    hashes: np.ndarray
    sample: np.ndarray
    variant: np.ndarray
    owner: np.ndarray
    index: object
    from_cache: bool

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def exact(self) -> bool:
        return getattr(self.index, "nprobe", None) is None


class ReferenceSet:
    """All references of a store, ready to search.  ``name`` is what the report says was searched.

    The references are split into segments by id (``segment_blocks``), each with its own FAISS index
    saved in the cache folder under a key made of its own references; ``hashes``, ``sample``,
    ``variant`` and ``owner`` read every segment's rows as one array (``Column``; a plain array when
    there is one segment).  ``from_sidecar`` says whether every segment was loaded from the cache
    folder (``rebuilt`` lists the blocks that were read from the store and built)."""

    def __init__(self, store: IndexStore, name: str, flat_max: int = FLAT_MAX):
        self.store = store
        self.name = name
        self.default = False  # the default index ($VERIFY_INDEX / user data folder), not named with --index
        self.flat_max = flat_max
        folder = _cache_folder(store)
        on_disk = folder is not None
        self.segments: list[Segment] = []
        self.rebuilt: list[tuple[int, int]] = []
        with store.snapshot():  # the stamp, the references and the fingerprints of one moment
            infos = store.refs()
            self.refs: dict[int, RefInfo] = {r.id: r for r in infos}
            stamp = store.stamp()
            total = sum(r.prints for r in infos)
            length = list_length(total, flat_max)  # the same list length in every segment
            for lo, hi, members in segment_blocks(infos):
                n = sum(r.prints for r in members)
                nlist = segment_lists(n, length)
                key = _segment_key(lo, hi, members, stamp.get("store_id", ""), length)
                got = _load(folder, key, n, nlist) if on_disk else None
                built = got is None
                if built:  # read and build it now, segment by segment: a first open holds one in memory
                    arrays = _read_store(store, lo, hi)
                    index = build_faiss(arrays[0], nlist=nlist)
                    if on_disk:
                        _save(folder, key, {"first_id": lo, "last_id": hi, "store_id": stamp.get("store_id", "")},
                              arrays, index)
                        got = _load(folder, key, n, nlist)  # the saved copy, memory-mapped
                    if got is None:  # not saved (read-only folder, full disk): kept in memory
                        got = (arrays, index)
                    del arrays, index
                    self.rebuilt.append((lo, hi))
                (arrays, index) = got
                if nlist:
                    index.nprobe = segment_probes(n, total, length, nlist, flat_max)
                self.segments.append(Segment(lo, hi, key, *arrays, index, not built))
        self.stamp = stamp  # what the arrays were read from (``unchanged``)
        if on_disk and (self.rebuilt or not self.segments):
            _forget(folder, {s.key for s in self.segments})
        self.from_sidecar = bool(self.segments) and not self.rebuilt
        self.offsets = np.cumsum([0] + [len(s) for s in self.segments]).astype(np.int64)
        self._columns()

    @classmethod
    def from_arrays(cls, hashes: np.ndarray, sample: np.ndarray, variant: np.ndarray, owner: np.ndarray,
                    index: object = None, name: str = "arrays") -> ReferenceSet:
        """One segment of the given rows, with ``index`` (else an index built over them): no store."""
        self = cls.__new__(cls)
        self.store, self.name, self.default, self.refs, self.rebuilt = None, name, False, {}, []
        index = index if index is not None else build_faiss(hashes)
        lo, hi = (int(owner.min()), int(owner.max())) if len(owner) else (0, 0)
        self.segments = [Segment(lo, hi, "", hashes, sample, variant, owner, index, False)]
        self.from_sidecar = False
        self.offsets = np.array([0, len(hashes)], np.int64)
        self._columns()
        return self

    def _columns(self) -> None:
        """``hashes``, ``sample``, ``variant``, ``owner`` over every segment."""
        for name, dtype in _ARRAYS:
            parts = [getattr(s, name) for s in self.segments]
            if not parts:
                shape = (0, HASH_BYTES) if name == "hashes" else (0,)
                setattr(self, name, np.zeros(shape, dtype))
            elif len(parts) == 1:
                setattr(self, name, parts[0])
            else:
                setattr(self, name, Column(parts, self.offsets))

    @property
    def index(self):
        """The FAISS index of the first segment (what benchmarks report the kind of)."""
        return self.segments[0].index if self.segments else build_faiss(np.zeros((0, HASH_BYTES), np.uint8))

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def unchanged(self) -> bool:
        """Whether the store still holds what this set was read from (one small query for its stamp),
        so a process that searches clip after clip may keep the set open; False when it cannot tell."""
        try:
            return self.store.stamp() == self.stamp
        except Exception:  # noqa: BLE001 - a store that cannot answer is opened again (and then reports why)
            return False

    def search(self, hashes: np.ndarray, radius: int) -> Pairs:
        """Every stored hash within ``radius`` bits of each query hash, segment by segment, merged in
        (query, row) order: the same pairs, in the same order, however the rows are segmented."""
        if not len(hashes) or not len(self):
            empty = np.zeros(0, np.int64)
            return Pairs(empty, empty, empty)
        found = [_range_pairs(seg.index, hashes, radius) for seg in self.segments]
        if len(found) == 1:
            pairs = found[0]
            order = np.lexsort((pairs.ref_row, pairs.query))
            return Pairs(pairs.query[order], pairs.ref_row[order], pairs.distance[order])
        query = np.concatenate([p.query for p in found])
        ref_row = np.concatenate([p.ref_row + off for p, off in zip(found, self.offsets[:-1])])
        distance = np.concatenate([p.distance for p in found])
        order = np.lexsort((ref_row, query))
        return Pairs(query[order], ref_row[order], distance[order])

    def search_shots(self, hashes: np.ndarray, radius: int, sample: np.ndarray, shot: np.ndarray,
                     min_samples: int, sample_rate: float = REF_SAMPLES_PER_SECOND,
                     pairs: Pairs | None = None) -> Pairs:
        """``search``, then an exact second look for the shots that came back weak.

        ``sample`` gives each query hash's clip sample, ``shot`` each sample's shot.  The inverted
        file visits ``NPROBE`` lists per hash and so misses some true neighbours (a quarter of them at
        ten million hashes): a long shot has samples to spare, a short one may be left with one or
        two matched samples of a reference, too few to align (``min_samples``).  For such a shot and
        reference with a pair within ``RETRY_DISTANCE`` bits, the shot's hashes are compared with every
        hash of that reference near the matched moments (the shot's length at up to 1.6x speed, each
        way), exactly; at most ``RETRY_MAX`` such looks per clip, the best-supported first.  A clip with
        no reused footage has (nearly) no such shots and pays (nearly) nothing.  ``pairs``: what
        ``search(hashes, radius)`` gives, when the caller already has it (searched in parts)."""
        if pairs is None:
            pairs = self.search(hashes, radius)
        if all(s.exact for s in self.segments) or not len(pairs.query):  # exact already
            return pairs
        q_sample = sample[pairs.query]
        owner = self.owner[pairs.ref_row].astype(np.int64)
        key = np.unique(np.stack([shot[q_sample], owner, q_sample]), axis=1)  # distinct (shot, ref, sample)
        shot_ref, counts = np.unique(key[:2], axis=1, return_counts=True)
        weak = []
        for (g, ref), count in zip(shot_ref.T, counts):
            if count >= min_samples:
                continue
            mine = (owner == ref) & (shot[q_sample] == g)
            closest = int(pairs.distance[mine].min())
            if closest <= RETRY_DISTANCE:  # farther, lone pairs are what any big index gives by chance
                weak.append((-int(count), closest, int(g), int(ref), mine))
        extra: list[Pairs] = []
        for _, _, g, ref, mine in sorted(weak, key=lambda w: w[:4])[:RETRY_MAX]:
            seen = self.sample[pairs.ref_row[mine]]
            rows = np.flatnonzero(shot[sample] == g)  # the shot's query hashes
            seconds = np.count_nonzero(shot == g) / SAMPLES_PER_SECOND  # the shot's length in the clip
            pad = int(np.ceil((1.6 * seconds + 1.0) * sample_rate))
            cand = self.rows_of(ref, int(seen.min()) - pad, int(seen.max()) + pad)
            if not len(cand):
                continue
            exact = build_faiss(self.hashes[cand], flat_max=len(cand))  # flat: every candidate compared
            found = _range_pairs(exact, hashes[rows], radius)
            extra.append(Pairs(rows[found.query], cand[found.ref_row], found.distance))
        if not extra:
            return pairs
        query = np.concatenate([pairs.query] + [e.query for e in extra])
        ref_row = np.concatenate([pairs.ref_row] + [e.ref_row for e in extra])
        distance = np.concatenate([pairs.distance] + [e.distance for e in extra])
        _, keep = np.unique(query * len(self) + ref_row, return_index=True)
        return Pairs(query[keep], ref_row[keep], distance[keep])

    def rows_of(self, ref_id: int, first_sample: int, last_sample: int) -> np.ndarray:
        """Rows (counted across the segments) of reference ``ref_id`` whose sample lies in
        [first_sample, last_sample]."""
        for seg, offset in zip(self.segments, self.offsets[:-1].tolist()):
            if seg.first_id <= ref_id <= seg.last_id:
                break
        else:
            return np.zeros(0, np.int64)
        owner = seg.owner
        if not hasattr(seg, "sorted_rows"):  # rows are stored reference by reference (checked once, not assumed)
            seg.sorted_rows = bool(np.all(owner[1:] >= owner[:-1]))
        if seg.sorted_rows:
            key = owner.dtype.type(ref_id)  # a Python int would make NumPy convert all 10M owners first
            a, b = (int(np.searchsorted(owner, key, side=side)) for side in ("left", "right"))
            rows = np.arange(a, b)
        else:
            rows = np.flatnonzero(owner == ref_id)
        s = seg.sample[rows]
        return rows[(s >= first_sample) & (s <= last_sample)] + offset


def _range_pairs(index, hashes: np.ndarray, radius: int) -> Pairs:
    """Every hash of ``index`` within ``radius`` bits of each query hash, as pairs (index rows)."""
    # FAISS keeps distances strictly below the radius
    lims, dist, rows = index.range_search(np.ascontiguousarray(hashes, dtype=np.uint8), radius + 1)
    query = np.repeat(np.arange(len(hashes)), np.diff(lims.astype(np.int64)))
    keep = rows >= 0
    return Pairs(query[keep], rows[keep].astype(np.int64), dist[keep].astype(np.int64))


# -- the saved index beside the SQLite file ------------------------------------------------------------

_ARRAYS = (("hashes", np.uint8), ("sample", np.int32), ("variant", np.int16), ("owner", np.int32))
_INDEX = "index.faiss"
#: a saved segment's file or a temporary one, of any key (and the whole-store files of verify before segments)
_OURS = re.compile(r"\.?((?:g\d+|s\d+-\d+)-n\d+-[0-9a-f]{16})\.")
SEGMENT_IDS = 4  # the smallest block of reference ids: what an add rebuilds
SEGMENT_PRINTS = 1 << 26  # blocks are merged up to this many fingerprints (67M; ~5 GB of saved index)


def sidecar_dir(db_path: str | os.PathLike[str]) -> Path:
    """Where the search index of the SQLite file ``db_path`` is saved: ``<db_path>.search/``."""
    return Path(f"{os.fspath(db_path)}.search")


def _cache_folder(store: IndexStore) -> Path | None:
    """Where the search index of ``store`` is saved: beside a SQLite file (``sidecar_dir``), in the user
    cache folder for a PostgreSQL database (``PgStore.search_cache``); None for an in-memory store."""
    if isinstance(store, Store):
        return None if store.path == ":memory:" else sidecar_dir(store.path)
    return store.search_cache()


def _read_store(store: IndexStore, first_id: int | None = None,
                last_id: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every stored hash of the references with ids in [first_id, last_id] (all when None), its sample,
    variant and owning reference, in reference order."""
    chunks: list[Prints] = []
    owners: list[np.ndarray] = []
    for ref_id, prints in store.load_hashes(first_id, last_id):
        chunks.append(prints)
        owners.append(np.full(len(prints), ref_id, np.int32))
    if not chunks:
        return (np.zeros((0, HASH_BYTES), np.uint8), np.zeros(0, np.int32), np.zeros(0, np.int16),
                np.zeros(0, np.int32))
    return (np.concatenate([c.hashes for c in chunks]), np.concatenate([c.sample for c in chunks]),
            np.concatenate([c.variant for c in chunks]), np.concatenate(owners))


def segment_blocks(refs: list[RefInfo], base: int | None = None,
                   max_prints: int | None = None) -> list[tuple[int, int, list[RefInfo]]]:
    """The segments of an index: (first id, last id, references) of each non-empty block, in id order.

    Ids only grow (SQLite ``AUTOINCREMENT``, a PostgreSQL identity), so a block of ids below the
    highest id present is *closed*: nothing will ever be added to it.  The blocks are aligned ranges
    of ``base * 2**j`` ids (like a binary counter): ``[0, M]`` (M the highest id) is cut, from id 0
    up, into the largest aligned closed block that holds at most ``max_prints`` fingerprints (or the
    smallest, ``base`` ids, if none), and the last, open block of ``base`` ids.  So an add changes
    only the open block (and, every ``base * 2**j`` references, merges closed blocks into one twice
    as large: the work of a binary counter, log2 rebuilds per reference over time); a remove changes
    only the block of its reference.  Every process cuts the same references the same way."""
    base = base or SEGMENT_IDS
    max_prints = max_prints or SEGMENT_PRINTS
    if not refs:
        return []
    ids = np.array([r.id for r in refs], np.int64)
    order = np.argsort(ids, kind="stable")
    ids, prints = ids[order], np.cumsum([0] + [refs[i].prints for i in order.tolist()])
    top = int(ids[-1])

    def count(lo: int, hi: int) -> int:  # fingerprints of the references with lo <= id <= hi
        a, b = np.searchsorted(ids, lo, "left"), np.searchsorted(ids, hi, "right")
        return int(prints[b] - prints[a])

    blocks = []
    pos = 0
    while pos <= top:
        width = base
        while (pos % (2 * width) == 0 and pos + 2 * width - 1 < top
               and count(pos, pos + 2 * width - 1) <= max_prints):
            width *= 2
        a, b = np.searchsorted(ids, pos, "left"), np.searchsorted(ids, pos + width - 1, "right")
        if b > a:
            blocks.append((pos, pos + width - 1, [refs[i] for i in order[a:b].tolist()]))
        pos += width
    return blocks


def _segment_key(first_id: int, last_id: int, members: list[RefInfo], store_id: object, length: int) -> str:
    """The file-name stem of a segment's saved index: its id block, fingerprint count and a digest of
    what it holds (each reference's id, SHA-256, fingerprint count, time added and fingerprint recipe:
    ``index add --refresh`` replaces a reference's prints under the same id; the store's random id)
    and of the build recipe, so a block whose references changed is never looked for."""
    import faiss

    recipe = {"faiss": faiss.__version__, "list_length": length, "centroids": "sample-rng0"}
    held = [[r.id, r.sha256, r.prints, r.added_at, r.recipe] for r in members]
    digest = hashlib.sha256(json.dumps([first_id, last_id, held, str(store_id), recipe]).encode()).hexdigest()[:16]
    return f"s{first_id}-{last_id}-n{sum(r.prints for r in members)}-{digest}"


def _crc(path: Path) -> list[int]:
    """Size and CRC-32 of a file (2-3 GB/s: a fraction of a second for ten million hashes)."""
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            crc = zlib.crc32(chunk, crc)
        return [fh.tell(), crc]


def _load(folder: Path, key: str, n: int, nlist: int) -> tuple[tuple[np.ndarray, ...], object] | None:
    """The saved arrays and index for ``key``, or None when missing, incomplete or damaged."""
    import faiss

    try:
        files = json.loads((folder / f"{key}.json").read_text())["files"]
        parts = [f"{name}.npy" for name, _ in _ARRAYS] + [_INDEX]
        if sorted(files) != sorted(parts) or any(_crc(folder / f"{key}.{p}") != files[p] for p in parts):
            return None
        arrays = tuple(np.asarray(np.load(folder / f"{key}.{name}.npy", mmap_mode="r", allow_pickle=False))
                       for name, _ in _ARRAYS)
        shapes = [(n, HASH_BYTES)] + [(n,)] * 3
        if any(a.dtype != dtype or a.shape != shape for a, (_, dtype), shape in zip(arrays, _ARRAYS, shapes)):
            return None
        index = faiss.read_index_binary(str(folder / f"{key}.{_INDEX}"), faiss.IO_FLAG_MMAP)
        if index.ntotal != n or index.d != HASH_BYTES * 8 or getattr(index, "nlist", 0) != nlist:
            return None
        if isinstance(index, faiss.IndexBinaryIVF):
            index.nprobe = min(NPROBE, index.nlist)
            lists = faiss.downcast_InvertedLists(index.invlists)
            if isinstance(lists, faiss.OnDiskInvertedLists):  # the mapped lists
                lists.prefetch_nthread = 0  # else 32 threads a query read ahead: 1.5x slower, no gain
        return arrays, index
    except Exception:  # whatever is wrong with it, the caller rebuilds from SQLite
        return None


def _write(path: Path, fill: Callable[[BinaryIO], object]) -> list[int]:
    """Write ``path`` atomically (temporary name in the same folder, fsync, rename); its size and CRC."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        check = _crc(Path(tmp))
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return check


def _save(folder: Path, key: str, about: dict[str, object], arrays: tuple[np.ndarray, ...],
          index: object) -> None:
    """Save one segment's arrays and index under ``key`` (the ``.json`` last).  Failing is harmless:
    the next open rebuilds the segment."""
    import faiss

    try:
        folder.mkdir(parents=True, exist_ok=True)
        files = {f"{name}.npy": _write(folder / f"{key}.{name}.npy", lambda fh, a=a: np.save(fh, a))
                 for (name, _), a in zip(_ARRAYS, arrays)}
        files[_INDEX] = _write(folder / f"{key}.{_INDEX}",
                               lambda fh: faiss.write_index_binary(index, faiss.PyCallbackIOWriter(fh.write)))
        _write(folder / f"{key}.json", lambda fh: fh.write(json.dumps({"segment": about, "files": files}).encode()))
    except Exception:  # a read-only folder, a full disk: keep the index in memory only
        return


def _forget(folder: Path, keep: set[str]) -> None:
    """Delete the folder's saved segments other than ``keep`` (blocks whose references changed, merged
    blocks, leftovers of interrupted writes, the whole-store files of verify before segments).  A
    process that has one of them open keeps reading it: an unlinked file lives on while it is mapped."""
    try:
        names = list(folder.iterdir())
    except OSError:
        return
    for p in names:
        m = _OURS.match(p.name)
        if m and m.group(1) not in keep:
            with contextlib.suppress(OSError):
                p.unlink()
