"""Accuracy of reused-footage detection on a transformation suite built from the real fixtures.

Known footage: ministry.mp4's cup shot (16-24 s) and its street shot (0-4 s), each as an archive
would hold it (re-encoded excerpts).  Positives: ministry.mp4 put through every transformation
family of issue 3 alone and combined (``tests/reuse_material.py``), and all at once at the strongest
settings; each holds both shots, so each must yield the cup shot at 16-24 s and the street shot at
0-4 s (divided by the speed), start and reference offsets within 0.5 s.  A finding of either shot
elsewhere in the clip, or of footage the clip does not hold, is a false match.  Negatives: clips
that contain none of it, including the same static street camera at other times (cuts.mp4), a
glitchy re-encode of an animation (damaged.avi), a rotated phone clip and a photo.

Two methods, one run:
* **verify**: ``search_clip`` (fingerprints, FAISS, alignment, picture/motion check);
* **naive pHash baseline**: verify's per-shot keyframes hashed with imagehash's pHash, a keyframe
  matching a reference keyframe within 10 bits counts as found.

It also prints the distribution of PDQ distances between true clip/reference sample pairs (what
``benchmarks/index_scale.py`` perturbs its synthetic queries by); ``--verbose`` adds every finding
and the raw counts.  The scene timeline is turned off (it plays no part in the search).

    .venv/bin/python benchmarks/reuse_accuracy.py             # the table and the totals
    .venv/bin/python benchmarks/reuse_accuracy.py --verbose   # and every finding of every clip
    .venv/bin/python benchmarks/reuse_accuracy.py --no-reframes   # the issue 3 families only

Then issue 13's families (``reframes``): footage as platforms reframe it, each with hard negatives
(``tests/reuse_material.py``: ``REFRAME_FAMILIES``, ``reframe_case``): a vertical post over a blurred
copy of itself, still cameras in black bars with a banner (a tree in wind, a street camera, a held
frame), still cameras framed by colour (an orange banner alone, a green side band, uneven white bars
with a blue banner, off centre over a blurred copy of itself), plain re-encodes of still cameras, a
pan and zoom over a photo, picture-in-picture over a moving broadcast with a lower third, split
screens (two known clips; one clip twice, at the same and at another moment: two findings, each with
its window), reactions (a known clip beside, below or under a person talking to the camera, in
horizontal and vertical frames).  Negatives: the same reframes of footage not in the index, other
times of the same still cameras, another window of the same broadcast (the face cam of a reaction is
never known).  Each expected finding (``expectations``: one per window) counts when a finding has
its reference, clip and reference spans (start 0.5 s, end 1 s) and ``window`` (0.04 of the frame)
and a photo is reported as a photo (``score_findings``); a finding that matches none is false.  Beside
verify: the pHash baseline and a vPDQ-like baseline (PDQ of one frame a second, brute-force match
within 31 bits, a reference found when half of its per-second hashes match, as ThreatExchange's vPDQ
compares videos).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from reuse_material import (FIXTURES, REFRAME_FAMILIES, TRANSFORMS, everything, excerpt,  # noqa: E402
                             expectations, reframe_case, reframe_refs, score_findings, transformed)

from verify.fingerprint.pdq import QUALITY_MIN, hamming, pdq  # noqa: E402
from verify.fingerprint.sampling import sample_file  # noqa: E402
from verify.fingerprint.prints import ClipPrints, clip_prints  # noqa: E402
from verify.matching.footage import fingerprint_files  # noqa: E402
from verify.matching.reuse import RADIUS, search_clip  # noqa: E402
from verify.matching.search import ReferenceSet  # noqa: E402
from verify.matching.store import Store  # noqa: E402
from verify.pipeline import Options, analyse  # noqa: E402

PHASH_MAX = 10
VPDQ_DISTANCE = 31  # vPDQ's default distance tolerance (bits)
VPDQ_SHARE = 0.5  # a reference is found when this share of its per-second hashes match the clip
NO_SCENES = Options(scenes=False)  # the scene timeline plays no part in the search
#: what every positive (ministry.mp4 transformed) holds of the known footage:
#: reference title -> (clip start, clip end at normal speed, reference start, reference end), seconds
EXPECTED = {"cup": (16.0, 24.0, 0.0, 8.0), "street": (0.0, 4.0, 0.0, 4.0)}


def phash_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def verify_search(clip: Path, refset: ReferenceSet):
    """verify's own search of one clip against the index: (analysis, the clip's prints, findings, seconds)."""
    t = time.perf_counter()
    analysis = analyse(clip, NO_SCENES)
    cuts = [s.start_s for s in analysis.report.shots[1:]]
    prints = clip_prints(analysis.samples)
    findings = search_clip(prints, refset, cuts, analysis.report.media.fps)
    return analysis, prints, findings, time.perf_counter() - t


def phash_baseline(analysis, ref_keys: dict[str, list[str]]) -> set[str]:
    """The references the pHash baseline names: a keyframe within PHASH_MAX bits of one of theirs."""
    keys = [s.phash for s in analysis.report.shots if s.phash]
    return {r for r, ks in ref_keys.items() for k in keys for rk in ks if rk and phash_distance(k, rk) <= PHASH_MAX}


def main() -> None:
    verbose = "--verbose" in sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="verify-reuse-bench-"))
    ministry = FIXTURES / "ministry.mp4"
    refs = {"cup": excerpt(ministry, 16, 8, work / "cup.mp4"), "street": excerpt(ministry, 0, 4, work / "street.mp4")}
    store = Store(":memory:")
    store.add_many(fingerprint_files(list(refs.values()), store))
    refset = ReferenceSet(store, "bench")
    ref_keys = {name: [s.phash for s in analyse(p, NO_SCENES).report.shots] for name, p in refs.items()}

    positives = {name: (transformed(ministry, name, work), spec[2]) for name, spec in TRANSFORMS.items()}
    every = everything(ministry, work / "ministry-everything.mp4")  # every family at once, strongest settings
    positives["everything_crf38"] = (every, 1.3)
    negatives = [FIXTURES / "cuts.mp4", FIXTURES / "damaged.avi", FIXTURES / "rotated.mp4", FIXTURES / "photo.jpg",
                 transformed(excerpt(FIXTURES / "cuts.mp4", 0, 3, work / "street-other.mp4"), "mirror", work)]

    rows = []
    true_d: list[np.ndarray] = []
    for name, (clip, speed) in list(positives.items()) + [(n.name, (n, None)) for n in negatives]:
        analysis, prints, findings, seconds = verify_search(clip, refset)
        expected = EXPECTED if speed is not None else {}
        found = {title: False for title in expected}
        false = 0
        for f in findings:
            title = f["ref"]["title"]
            if title not in expected:
                false += 1
                continue
            c0, c1, r0, r1 = (expected[title][0] / speed, expected[title][1] / speed, *expected[title][2:])
            inside = c0 - 1 <= f["start_s"] <= c1 and f["end_s"] <= c1 + 1
            exact = (abs(f["start_s"] - c0) <= 0.5 and abs(f["ref_start_s"] - r0) <= 0.5
                     and abs(f["ref_end_s"] - r1) <= 1.3)
            found[title] |= inside and exact
            false += not inside  # a finding of the right footage at the wrong place in the clip
        if speed is not None:
            true_d += [true_distances(prints, refset, speed, title, spec[0]) for title, spec in EXPECTED.items()]
        base = phash_baseline(analysis, ref_keys)
        rows.append((name, speed is not None, found, false, {r: r in base for r in expected},
                     len(base - set(expected)), seconds, findings))
    print(f"{'clip':<24} {'kind':<9} {'verify':<28} {'pHash baseline':<28} seconds")
    for name, pos, found, false, bfound, bfalse, seconds, findings in rows:
        v = " ".join(f"{r}:{'found' if ok else 'MISSED'}" for r, ok in found.items()) if pos else "-"
        b = " ".join(f"{r}:{'found' if ok else 'missed'}" for r, ok in bfound.items()) if pos else "-"
        print(f"{name:<24} {'positive' if pos else 'negative':<9} {v + (f' +{false} false' if false else ''):<28} "
              f"{b + (f' +{bfalse} false' if bfalse else ''):<28} {seconds:6.1f}")
        if verbose:
            for f in findings:
                print(f"    {f['ref']['title']:<8} clip {f['start_s']:6.2f}-{f['end_s']:6.2f}  ref {f['ref_start_s']:5.2f}-"
                      f"{f['ref_end_s']:5.2f}  {','.join(f['transform'])}  d={f['distance']} conf={f['confidence']}")
    pos = [r for r in rows if r[1]]
    for title in EXPECTED:
        print(f"\n{title} shot: verify recall {sum(r[2][title] for r in pos)}/{len(pos)}, "
              f"pHash baseline recall {sum(r[4][title] for r in pos)}/{len(pos)}", end="")
    n_exp = len(pos) * len(EXPECTED)
    print(f"\n\nverify:         recall {sum(sum(r[2].values()) for r in pos)}/{n_exp}, "
          f"false matches {sum(r[3] for r in rows)}")
    print(f"pHash baseline: recall {sum(sum(r[4].values()) for r in pos)}/{n_exp}, "
          f"false matches {sum(r[5] for r in rows)}")
    d = np.concatenate(true_d)
    q = np.percentile(d, [5, 25, 50, 75, 90, 95, 99])
    print(f"\nPDQ distance of true clip/reference sample pairs ({len(d)} clip samples of the positives in the cup "
          f"and street shots; closest clip variant x reference crop within one reference sample of the true time):")
    print("  percentiles 5/25/50/75/90/95/99: " + " ".join(f"{x:.0f}" for x in q)
          + f"; max {d.max()}; beyond the radius ({RADIUS}): {np.mean(d > RADIUS):.1%}")
    edges = np.arange(0, 136, 8)
    hist, _ = np.histogram(np.minimum(d, 128), edges)
    print("  histogram: " + ", ".join(f"{a}-{b - 1}: {h}" for a, b, h in zip(edges[:-1], edges[1:], hist) if h))
    if verbose:
        values, counts = np.unique(d, return_counts=True)
        print("  counts: {" + ", ".join(f"{v}: {c}" for v, c in zip(values, counts)) + "}")
    if "--no-reframes" not in sys.argv[1:]:
        reframes(work, verbose)


def vpdq_hashes(path: Path) -> np.ndarray:
    """A vPDQ-like fingerprint: the PDQ hash of one frame a second (of a photo: its one hash), those
    of quality >= 50 (hashed from verify's 128-px grey thumbnails)."""
    samples = sample_file(path, 1.0)
    rows = [h for h, q in (pdq(t) for t in samples.thumbs) if q >= QUALITY_MIN]
    return np.asarray(rows, np.uint8).reshape(-1, 32)


def vpdq_found(clip: np.ndarray, ref: np.ndarray) -> bool:
    """Brute force, as vPDQ matches: the share of the reference's hashes with a clip hash within
    ``VPDQ_DISTANCE`` bits reaches ``VPDQ_SHARE``."""
    if not len(clip) or not len(ref):
        return False
    d = hamming(ref[:, None, :], clip[None, :, :]).min(axis=1)
    return bool(np.mean(d <= VPDQ_DISTANCE) >= VPDQ_SHARE)


def reframes(work: Path, verbose: bool) -> None:
    """Issue 13's families: footage as platforms reframe it, with hard negatives, against an index of
    ``reframe_refs``; verify vs the pHash baseline vs a vPDQ-like baseline, per family."""
    refs = reframe_refs(work)
    store = Store(":memory:")
    store.add_many(fingerprint_files(list(refs.values()), store))
    refset = ReferenceSet(store, "reframes")
    ref_keys = {name: [s.phash for s in analyse(p, NO_SCENES).report.shots] for name, p in refs.items()}
    ref_vpdq = {name: vpdq_hashes(p) for name, p in refs.items()}
    print(f"\nReframed footage (issue 13): index of {', '.join(refs)}")
    print(f"{'family':<19} {'clip':<18} {'kind':<9} {'verify':<34} {'pHash':<36} {'vPDQ-like':<36} s")
    totals: dict[str, list[int]] = {}
    for family, names in REFRAME_FAMILIES.items():
        fam = totals.setdefault(family, [0, 0, 0, 0, 0, 0, 0])  # expected, verify found/false, pHash, vPDQ
        for name in names:
            clip, expected = reframe_case(name, work)
            analysis, _, findings, seconds = verify_search(clip, refset)
            wants = expectations(name, expected)
            hits, false = score_findings(findings, wants, {t for t, p in refs.items() if p.suffix == ".jpg"})
            found = {f"{t}{'@' + str(k) if sum(w[0] == t for w in wants) > 1 else ''}": ok
                     for k, ((t, _, _), ok) in enumerate(zip(wants, hits))}
            base = phash_baseline(analysis, ref_keys)
            cv = vpdq_hashes(clip)
            vp = {r for r, h in ref_vpdq.items() if vpdq_found(cv, h)}
            fam[0] += len(wants)
            fam[1] += sum(hits)
            fam[2] += false
            # the baselines name references, not windows: a reference shown twice counts twice when named
            fam[3] += sum(t in base for t, _, _ in wants)
            fam[4] += len(base - set(expected))
            fam[5] += sum(t in vp for t, _, _ in wants)
            fam[6] += len(vp - set(expected))
            kind = "positive" if expected else "negative"
            v = " ".join(f"{r}:{'found' if ok else 'MISSED'}" for r, ok in found.items()) or "-"
            b = " ".join(f"{r}:{'found' if r in base else 'missed'}" for r in expected) or "-"
            p = " ".join(f"{r}:{'found' if r in vp else 'missed'}" for r in expected) or "-"
            bf, pf = len(base - set(expected)), len(vp - set(expected))
            print(f"{family:<19} {name:<18} {kind:<9} {v + (f' +{false} false' if false else ''):<34} "
                  f"{b + (f' +{bf} false' if bf else ''):<36} {p + (f' +{pf} false' if pf else ''):<36} {seconds:4.1f}")
            if verbose:
                for f in findings:
                    print(f"    {f['ref']['title']:<8} clip {f['start_s']:6.2f}-{f['end_s']:6.2f}  ref {f['ref_start_s']:5.2f}-"
                          f"{f['ref_end_s']:5.2f}  {','.join(f['transform'])}  {f['evidence']}  window {f['window']}  "
                          f"d={f['distance']} conf={f['confidence']}")
    print(f"\n{'family':<19} {'verify recall':<14} {'false':<6} {'pHash recall':<13} {'false':<6} {'vPDQ recall':<12} false")
    for family, (n, vf, vx, bf, bx, pf, px) in totals.items():
        print(f"{family:<19} {f'{vf}/{n}':<14} {vx:<6} {f'{bf}/{n}':<13} {bx:<6} {f'{pf}/{n}':<12} {px}")
    n, vf, vx, bf, bx, pf, px = (sum(col) for col in zip(*totals.values()))
    print(f"{'all':<19} {f'{vf}/{n}':<14} {vx:<6} {f'{bf}/{n}':<13} {bx:<6} {f'{pf}/{n}':<12} {px}")


def true_distances(prints: ClipPrints, refs: ReferenceSet, speed: float, title: str, start: float) -> np.ndarray:
    """For each clip sample inside the shot that reference ``title`` holds (from ``start`` s of
    ministry.mp4), the smallest PDQ distance between one of its hashes (any live area, plain or
    mirrored) and one of the reference's hashes (any crop) at the true time +- one reference sample:
    how far a query hash of reused footage is from its nearest stored neighbour."""
    ref_id = next(i for i, r in refs.refs.items() if r.title == title)
    ref, _ = refs.store.load_samples(ref_id)
    rt = np.asarray(ref.t)
    qt = np.asarray(prints.samples.t)
    p = prints.prints
    out = []
    for i in np.unique(p.sample):
        tr = speed * qt[i] - start  # reference time of this clip moment
        if not 0.2 <= tr <= rt[-1] - 0.2:
            continue
        j = int(np.argmin(np.abs(rt - tr)))
        rows = refs.rows_of(ref_id, j - 1, j + 1)
        q = p.hashes[p.sample == i]
        if len(rows) and len(q):
            out.append(int(hamming(q[:, None, :], refs.hashes[rows][None, :, :]).min()))
    return np.asarray(out, np.int64)

if __name__ == "__main__":
    main()
