#!/usr/bin/env python3
"""How well are shot boundaries found on real footage?  verify's default against PySceneDetect.

    .venv/bin/python benchmarks/corpus.py --src DIR     # once: gather the clips and their re-encodes
    .venv/bin/python benchmarks/shots_accuracy.py       # score every clip and variant, in one run
    .venv/bin/python benchmarks/shots_accuracy.py --no-scenedetect --clips bikes,megamind
    .venv/bin/python benchmarks/shots_accuracy.py --held-out   # the 16 clips of the blind test
    .venv/bin/python benchmarks/shots_accuracy.py --set "held-out 2"   # the clips of a set, by its name's start

For every clip of ``shots_truth.json`` and every re-encode ``corpus.py`` made of it, three detectors
run on the same file:

* verify's default analysis (``verify.pipeline.analyse``; the shot detector is the same with or
  without the scene timeline, which is left off here to save time);
* PySceneDetect's ``ContentDetector`` and ``AdaptiveDetector`` with their defaults (the
  ``scenedetect-headless`` package in its own venv, ``benchmarks/.cache/sd-venv``, as ``speed.py``
  makes it: ``scenedetect`` proper needs the GUI OpenCV, which clashes with the project's headless one).

A found boundary matches a true one within ``TOLERANCE`` frames (a fade: anywhere within its extent,
give or take as much); one inside a span the truth marks ``ambiguous`` (a whip pan across one drawn page,
text changing on a still card) is not scored.  Printed per clip and variant: precision, recall, F1 and the largest frame
error of the matches; for verify also the largest error of the boundary times against the ffmpeg
program's time of the true frame in that file.  Then totals per detector, and whether verify's F1 is
at least PySceneDetect's on every clip.  Targets (issue 11): verify F1 = 1.00 with every boundary
within one frame, and at least as good as PySceneDetect on every clip.  Exit status 0 when both hold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import corpus  # noqa: E402

TOLERANCE = 3  # frames: a found boundary this close to a true one matches it

SD_SCRIPT = r"""
import json, sys
from scenedetect import AdaptiveDetector, ContentDetector, detect
found = {}
for path in sys.argv[2:]:
    detector = ContentDetector() if sys.argv[1] == "content" else AdaptiveDetector()
    scenes = detect(path, detector)
    found[path] = [int(start.get_frames()) for start, _ in scenes[1:]]
print(json.dumps(found))
"""


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[int] = field(default_factory=list)  # frame error of each match
    time_errors: list[float] = field(default_factory=list)  # seconds, verify only

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.errors += other.errors
        self.time_errors += other.time_errors

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def cell(self) -> str:
        err = max(self.errors) if self.errors else 0
        return f"{self.precision:4.2f} {self.recall:4.2f} {self.f1:4.2f} {err:>2d}"


def frame_error(found: int, truth: dict) -> int:
    if truth["type"] == "cut":
        return abs(found - truth["frame"])
    lo, hi = truth.get("first", truth["frame"]), truth.get("last", truth["frame"])
    return 0 if lo <= found <= hi else min(abs(found - lo), abs(found - hi))


def score(found: list[int], truth: list[dict], times: list[float] | None = None,
          found_times: list[float] | None = None, ambiguous: list[list[int]] | None = None) -> Score:
    """Greedy one-to-one matching by frame error, within ``TOLERANCE``.

    A found boundary that matches no true one but falls within an ``ambiguous`` span of the truth
    (first, last frame; give or take ``TOLERANCE``) counts neither as right nor as false.
    """
    s = Score()
    pairs = sorted((frame_error(f, t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth))
    used_f: set[int] = set()
    used_t: set[int] = set()
    for err, i, j in pairs:
        if err > TOLERANCE or i in used_f or j in used_t:
            continue
        used_f.add(i)
        used_t.add(j)
        s.errors.append(err)
        if times is not None and found_times is not None and truth[j]["type"] == "cut":
            s.time_errors.append(abs(found_times[i] - times[truth[j]["frame"]]))
    s.tp = len(used_t)
    excused = {i for i, f in enumerate(found) if i not in used_f
               and any(lo - TOLERANCE <= f <= hi + TOLERANCE for lo, hi in ambiguous or [])}
    s.fp = len(found) - len(used_f) - len(excused)
    s.fn = len(truth) - len(used_t)
    return s


def run_verify(path: Path) -> tuple[list[int], list[float]]:
    from verify.pipeline import Options, analyse

    report = analyse(path, Options(scenes=False)).report
    return [s.start_frame for s in report.shots[1:]], [s.start_s for s in report.shots[1:]]


def run_scenedetect(kind: str, paths: list[Path]) -> dict[str, list[int]]:
    import speed

    speed.ensure_scenedetect()
    p = subprocess.run([str(speed.sd_bin("python")), "-c", SD_SCRIPT, kind, *map(str, paths)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"PySceneDetect failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", help="comma-separated clip names (default: all of shots_truth.json)")
    ap.add_argument("--held-out", action="store_true",
                    help="only the first held-out set (session 7, 16 clips), scored blind on 2026-11-30")
    ap.add_argument("--set", metavar="PREFIX", help="only the clips whose truth's 'set' starts with PREFIX "
                    "(e.g. \"held-out 2\", the second blind set)")
    ap.add_argument("--variants", help="comma-separated variants (default: all)")
    ap.add_argument("--no-scenedetect", action="store_true", help="score verify only")
    ap.add_argument("--out", type=Path, help="also write every detection and score as JSON")
    args = ap.parse_args()
    truth = corpus.load_truth()["clips"]
    files = corpus.corpus()
    if not files:
        print("No corpus in the cache: run benchmarks/corpus.py first.", file=sys.stderr)
        return 2
    wanted = set(args.clips.split(",")) if args.clips else set(truth)
    for prefix in ([corpus.HELD_OUT] if args.held_out else []) + ([args.set] if args.set is not None else []):
        chosen = corpus.in_set(prefix)
        if not chosen:
            print(f"no clip of shots_truth.json has a set starting with {prefix!r}", file=sys.stderr)
            return 2
        wanted &= chosen
    variants = args.variants.split(",") if args.variants else list(corpus.VARIANTS)
    jobs = [(name, v, files[name][v]) for name in truth if name in wanted and name in files
            for v in variants if v in files[name]]
    tools = ["verify"] + ([] if args.no_scenedetect else ["sd-content", "sd-adaptive"])
    found: dict[str, dict[str, list[int]]] = {t: {} for t in tools}
    verify_times: dict[str, list[float]] = {}
    seconds = {t: 0.0 for t in tools}
    for name, v, path in jobs:
        t0 = time.perf_counter()
        found["verify"][str(path)], verify_times[str(path)] = run_verify(path)
        seconds["verify"] += time.perf_counter() - t0
    for tool in tools[1:]:
        t0 = time.perf_counter()
        found[tool] = run_scenedetect(tool.split("-")[1], [p for _, _, p in jobs])
        seconds[tool] = time.perf_counter() - t0

    totals = {t: Score() for t in tools}
    per_clip = {t: {} for t in tools}
    rows = []
    for name, v, path in jobs:
        stamp = json.loads(path.with_name(path.name + ".times.json").read_text())
        times = [t - stamp["start"] for t in stamp["times"]]
        cells = []
        for tool in tools:
            s = score(found[tool][str(path)], truth[name]["boundaries"], times,
                      verify_times.get(str(path)) if tool == "verify" else None, truth[name].get("ambiguous"))
            totals[tool].add(s)
            per_clip[tool].setdefault(name, Score()).add(s)
            cells.append(s)
        terr = max(cells[0].time_errors, default=0.0) * 1000
        rows.append((name, v, cells, terr, [found[t][str(path)] for t in tools]))

    head = "  ".join(f"{t:^17s}" for t in tools)
    print(f"{'clip':<13s} {'variant':<16s} {head}  verify time err")
    print(f"{'':<13s} {'':<16s} " + "  ".join(" P    R    F1  err" for _ in tools))
    for name, v, cells, terr, _ in rows:
        print(f"{name:<13s} {v:<16s} " + "  ".join(c.cell() for c in cells) + f"  {terr:6.1f} ms")
    print()
    for tool in tools:
        s = totals[tool]
        within1 = sum(e <= 1 for e in s.errors)
        print(f"{tool:<12s} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}  matched {s.tp}, missed {s.fn}, "
              f"false {s.fp}; frame error 0: {sum(e == 0 for e in s.errors)}, <=1: {within1}, max "
              f"{max(s.errors, default=0)}; {seconds[tool]:.1f} s")
    print()
    print("Per clip, every variant together (P R F1, largest frame error):")
    print(f"{'clip':<13s} {'bounds':>6s}  " + "  ".join(f"{t:^17s}" for t in tools))
    for name in per_clip["verify"]:
        n = sum(len(truth[name]["boundaries"]) for nm, _, _ in jobs if nm == name)
        print(f"{name:<13s} {n:>6d}  " + "  ".join(per_clip[t][name].cell() for t in tools))
    print()
    if totals["verify"].time_errors:
        print(f"verify boundary times vs ffmpeg's frame times: max error {1000 * max(totals['verify'].time_errors):.2f} ms")
    ok_f1 = totals["verify"].f1 == 1.0 and all(e <= 1 for e in totals["verify"].errors)
    worse = [(name, tool) for tool in tools[1:] for name in per_clip["verify"]
             if per_clip["verify"][name].f1 < per_clip[tool][name].f1]
    print(f"target verify F1 = 1.00, every boundary within 1 frame: {'PASS' if ok_f1 else 'FAIL'}")
    if len(tools) > 1:
        print(f"target verify at least as good as PySceneDetect on every clip: {'PASS' if not worse else 'FAIL'}"
              + (f" (worse on {worse})" if worse else ""))
    if args.out:
        args.out.write_text(json.dumps({"rows": [{"clip": n, "variant": v, "found": dict(zip(tools, f))}
                                                  for n, v, _, _, f in rows]}, indent=1))
    return 0 if ok_f1 and not worse else 1


if __name__ == "__main__":
    sys.exit(main())
