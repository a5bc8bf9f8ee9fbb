"""Accuracy of reused-footage detection on a transformation suite built from the real fixtures.

Known footage: ministry.mp4's cup shot (16-24 s) and its street shot (0-4 s), each as an archive
would hold it (re-encoded excerpts).  Positives: ministry.mp4 put through every transformation
family of issue 3 alone and combined (``tests/reuse_material.py``); the cup shot must be found at
16-24 s (divided by the speed) with its offset within 0.5 s.  Negatives: clips that contain none
of it, including the same static street camera at other times (cuts.mp4), a glitchy re-encode of
an animation (damaged.avi), a rotated phone clip and a photo.

Two methods, one run:
* **verify**: ``search_clip`` (fingerprints, FAISS, alignment, picture/motion check);
* **naive pHash baseline**: verify's per-shot keyframes hashed with imagehash's pHash, a keyframe
  matching a reference keyframe within 10 bits counts as found.

    .venv/bin/python benchmarks/reuse_accuracy.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from reuse_material import FIXTURES, TRANSFORMS, excerpt, ffmpeg, transformed  # noqa: E402

from verify.fingerprint.prints import clip_prints  # noqa: E402
from verify.matching.footage import fingerprint_files  # noqa: E402
from verify.matching.reuse import search_clip  # noqa: E402
from verify.matching.search import ReferenceSet  # noqa: E402
from verify.matching.store import Store  # noqa: E402
from verify.pipeline import analyse  # noqa: E402

PHASH_MAX = 10


def phash_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="verify-reuse-bench-"))
    ministry = FIXTURES / "ministry.mp4"
    refs = {"cup": excerpt(ministry, 16, 8, work / "cup.mp4"), "street": excerpt(ministry, 0, 4, work / "street.mp4")}
    store = Store(":memory:")
    store.add_many(fingerprint_files(list(refs.values()), store))
    refset = ReferenceSet(store, "bench")
    ref_keys = {name: [s.phash for s in analyse(p).report.shots] for name, p in refs.items()}

    positives = {name: (transformed(ministry, name, work), spec[2]) for name, spec in TRANSFORMS.items()}
    everything = work / "ministry-everything.mp4"  # every family at once, at the strongest settings
    if not everything.exists():
        ffmpeg("-i", str(ministry), "-an", "-vf",
               "hflip,crop=iw*0.8:ih*0.8:iw*0.1:ih*0.1,scale=480:270,pad=640:360:80:45:color=0xd0d020,"
               "drawbox=x=0:y=ih*0.82:w=iw:h=ih*0.18:color=0x202080:t=fill,"
               "drawbox=x=iw*0.85:y=ih*0.05:w=iw*0.1:h=ih*0.08:color=white:t=fill,"
               "eq=brightness=0.08:contrast=0.8:gamma=1.25,noise=alls=10:allf=t,fps=15,setpts=PTS/1.3,scale=176:-2",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "38", str(everything))
    positives["everything_crf38"] = (everything, 1.3)
    negatives = [FIXTURES / "cuts.mp4", FIXTURES / "damaged.avi", FIXTURES / "rotated.mp4", FIXTURES / "photo.jpg",
                 transformed(excerpt(FIXTURES / "cuts.mp4", 0, 3, work / "street-other.mp4"), "mirror", work)]

    rows = []
    for name, (clip, speed) in list(positives.items()) + [(n.name, (n, None)) for n in negatives]:
        t = time.perf_counter()
        analysis = analyse(clip)
        cuts = [s.start_s for s in analysis.report.shots[1:]]
        findings = search_clip(clip_prints(analysis.samples), refset, cuts, analysis.report.media.fps)
        seconds = time.perf_counter() - t
        hit = false = 0
        for f in findings:
            ok = (speed is not None and f["ref"]["title"] == "cup" and abs(f["start_s"] - 16 / speed) <= 0.5
                  and abs(f["ref_start_s"]) <= 0.5 and abs(f["ref_end_s"] - 8.0) <= 1.3)
            if speed is not None and f["ref"]["title"] == "cup" and not (16 / speed - 1 <= f["start_s"] <= 24 / speed):
                ok = False
            hit |= ok
            false += not ok and not (speed is not None and f["ref"]["title"] == "cup")
        keys = [s.phash for s in analysis.report.shots if s.phash]
        base = {r for r, ks in ref_keys.items() for k in keys for rk in ks if rk and phash_distance(k, rk) <= PHASH_MAX}
        rows.append((name, speed is not None, hit, false, "cup" in base, len(base - ({"cup"} if speed else set())),
                     seconds, findings))
    print(f"{'clip':<28} {'kind':<9} {'verify':<14} {'pHash baseline':<16} seconds")
    for name, pos, hit, false, bhit, bfalse, seconds, findings in rows:
        v = ("found" if hit else "MISSED") if pos else "-"
        b = ("found" if bhit else "missed") if pos else "-"
        print(f"{name:<28} {'positive' if pos else 'negative':<9} {v + (f' +{false} false' if false else ''):<14} "
              f"{b + (f' +{bfalse} false' if bfalse else ''):<16} {seconds:6.1f}")
    pos = [r for r in rows if r[1]]
    print(f"\nverify:         recall {sum(r[2] for r in pos)}/{len(pos)}, false matches {sum(r[3] for r in rows)}")
    print(f"pHash baseline: recall {sum(r[4] for r in pos)}/{len(pos)}, false matches {sum(r[5] for r in rows)}")


if __name__ == "__main__":
    main()
