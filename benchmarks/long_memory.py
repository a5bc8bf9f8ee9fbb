"""Peak memory of `verify` on a 2-hour clip: memory must stay bounded, not grow with length.

    .venv/bin/python benchmarks/long_memory.py [--hours 2] [--keep]

The clip is fixtures/ministry.mp4 (640x360, 24 s, two cuts) looped by stream copy with the
imageio-ffmpeg binary into benchmarks/.cache/ (no re-encode, so it is made in seconds).  verify runs
on it and on a 10-minute clip made the same way; the script prints wall time, peak RSS of each run
(os.wait4) and the shot count, and says whether peak memory grew with length.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
SOURCE = ROOT / "fixtures" / "ministry.mp4"
SOURCE_SECONDS = 24.0


def looped_clip(seconds: float) -> Path:
    import imageio_ffmpeg

    CACHE.mkdir(parents=True, exist_ok=True)
    loops = max(1, int(round(seconds / SOURCE_SECONDS)))
    out = CACHE / f"long-{loops}x-ministry.mp4"
    if not out.exists():
        tmp = out.with_suffix(".part.mp4")
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", str(loops - 1),
                        "-i", str(SOURCE), "-map", "0:v:0", "-c", "copy", str(tmp)], check=True)
        tmp.rename(out)
    return out


def run_verify(clip: Path) -> dict:
    verify = Path(sys.executable).parent / "verify"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        t0 = time.monotonic()
        proc = subprocess.Popen([str(verify), str(clip), "--json", str(report), "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        err = proc.stderr.read().decode() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"verify failed on {clip}: {err}")
        r = json.loads(report.read_text())
    return {"clip": clip.name, "duration_s": r["media"]["duration_s"], "frames": r["media"]["frame_count"],
            "shots": len(r["shots"]), "wall_s": round(wall, 1), "peak_mb": round(usage.ru_maxrss / 1024, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--keep", action="store_true", help="keep the long clips in benchmarks/.cache")
    args = ap.parse_args()
    clips = [looped_clip(600), looped_clip(args.hours * 3600)]
    rows = [run_verify(c) for c in clips]
    for r in rows:
        print(f"{r['clip']:34s} {r['duration_s']:9.1f} s {r['frames']:8d} frames {r['shots']:5d} shots "
              f"{r['wall_s']:7.1f} s wall  peak {r['peak_mb']:7.1f} MB")
    growth = rows[1]["peak_mb"] - rows[0]["peak_mb"]
    print(f"peak memory growth from 10 min to {args.hours:g} h: {growth:+.1f} MB "
          f"({'bounded' if growth < 60 else 'GROWS with length'}); target: peak <= 300 MB -> "
          f"{'PASS' if rows[1]['peak_mb'] <= 300 else 'FAIL'}")
    if not args.keep:
        for c in clips:
            c.unlink(missing_ok=True)
    return 0 if rows[1]["peak_mb"] <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
