"""Accuracy of the scene timeline on the real fixtures: street-seconds error per clip.

For every fixture clip whose ground truth (``fixtures/truth.json``) labels its shots, the whole
``verify`` analysis runs (scenes on, the bundled model unless ``--scene-model`` is given) and the
seconds labelled street / indoor / other outdoor are compared with the truth.  It also prints the
camera motion found for each true shot.  The target is a street-seconds error of at most 0.5 s on
every clip; the exit status is 1 when a clip misses it.

The clips and what they test:

* ``ministry.mp4``: 4 s of street (fixed camera over a road with pedestrians), then 20 s indoors;
* ``cuts.mp4``: two street shots (full and zoomed), indoor shots, a tree outdoors, animation;
* ``scenes.mp4``: indoor, street, a tree outdoors, slow pans over a street and over a lake,
  a handheld street still; the stills were held out of the head's training;
* ``drive.mp4``: street while travelling forward, indoor, street from a fixed camera.

None of these videos or stills was used to train the scene head (``tools/train_scene_head.py``).

Run from the repository root::

    .venv/bin/python benchmarks/scene_accuracy.py
    .venv/bin/python benchmarks/scene_accuracy.py --scene-model places365.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verify.pipeline import Options, analyse  # noqa: E402

FIXTURES = ROOT / "fixtures"
TARGET_S = 0.5
LABELS = ("street", "indoor", "outdoor")


def shot_label(shot: dict) -> str:
    """The scene label of a ground-truth shot (explicit, or the first word of its description)."""
    if "label" in shot:
        return str(shot["label"])
    word = shot["content"].replace(":", " ").replace(",", " ").split()[0].lower()
    return word if word in LABELS else "unknown"


def true_seconds(entry: dict) -> dict[str, float]:
    fps = entry["fps"]
    out = {label: 0.0 for label in LABELS}
    for shot in entry["shots"]:
        label = shot_label(shot)
        if label in out:
            out[label] += (shot["end_frame"] + 1 - shot["start_frame"]) / fps
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Street-seconds error of the scene timeline on the fixtures.")
    ap.add_argument("--scene-model", type=Path, help="a user's ONNX scene model instead of the bundled one")
    args = ap.parse_args(argv)
    truth = json.loads((FIXTURES / "truth.json").read_text())
    clips = [name for name in ("ministry.mp4", "cuts.mp4", "scenes.mp4", "drive.mp4") if name in truth]
    print(f"{'clip':<14} {'street s':>9} {'truth':>6} {'error':>6}   {'indoor':>13}   {'outdoor':>13}   "
          f"{'time':>6}  result")
    worst = 0.0
    motion_rows = []
    for name in clips:
        entry = truth[name]
        started = time.perf_counter()
        report = analyse(FIXTURES / name, Options(scene_model=args.scene_model)).report
        took = time.perf_counter() - started
        sc = report.scenes
        want = true_seconds(entry)
        got = {"street": sc.street_seconds or 0.0, "indoor": sc.indoor_seconds or 0.0,
               "outdoor": sc.outdoor_seconds or 0.0}
        err = abs(got["street"] - want["street"])
        worst = max(worst, err)
        print(f"{name:<14} {got['street']:>9.2f} {want['street']:>6.2f} {err:>6.2f}   "
              f"{got['indoor']:>5.2f} of {want['indoor']:>5.2f}   {got['outdoor']:>5.2f} of {want['outdoor']:>5.2f}   "
              f"{took:>5.1f}s  {'PASS' if err <= TARGET_S else 'FAIL'}")
        for shot in entry["shots"]:
            if "motion" not in shot:
                continue
            mid = 0.5 * (shot["start_s"] + shot["end_s"])
            seg = next((s for s in sc.segments if s["start_s"] <= mid < s["end_s"]), None)
            found = f"{seg['label']}/{seg['motion']}" if seg else "-"
            motion_rows.append(f"  {name:<12} {shot['start_s']:>5.1f}-{shot['end_s']:<5.1f} "
                               f"truth {shot['label']}/{shot['motion']:<8} found {found:<16} {shot['content'][:60]}")
    print(f"worst street-seconds error {worst:.2f} s (target <= {TARGET_S} s per clip)")
    if motion_rows:
        print("shots with labelled camera motion:")
        print("\n".join(motion_rows))
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
