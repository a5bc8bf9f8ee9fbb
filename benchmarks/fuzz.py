"""Long fuzz run of the probe/metadata/decode front end on mutated real fixtures.

    .venv/bin/python benchmarks/fuzz.py [--inputs 2000] [--seed 1] [--max-seconds 20]

Each input is a fixture with random byte edits (anywhere and in the first 4 KiB, where container
headers live) and/or truncated.  Every input must end in a report or a one-line InputError, in
bounded time.  Prints how many inputs were tried, how they ended, the slowest, and every crash
(an exception that is not InputError) with the seed to replay it.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verify.errors import InputError  # noqa: E402
from verify.limits import Limits  # noqa: E402
from verify.pipeline import Options, analyse  # noqa: E402

SEEDS = ["ministry.mp4", "rotated.mp4", "damaged.avi", "photo.jpg", "cuts.mp4", "truncated.mp4"]


def mutated(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(0, 40)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    for _ in range(rng.randint(0, 12)):
        out[rng.randrange(min(4096, len(out)))] = rng.randrange(256)
    if rng.random() < 0.4:
        out = out[:max(1, int(len(out) * rng.random()))]
    return bytes(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=20.0, help="analyse at most this much of each input")
    args = ap.parse_args()
    seeds = {n: (ROOT / "fixtures" / n).read_bytes() for n in SEEDS}
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    slowest = (0.0, "")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.inputs):
            rng = random.Random(args.seed * 1_000_003 + i)
            name = rng.choice(SEEDS)
            path = Path(tmp) / f"{i}-{name}"
            path.write_bytes(mutated(seeds[name], rng))
            t0 = time.monotonic()
            try:
                analyse(path, Options(limits=Limits(max_duration_s=args.max_seconds, stall_s=30.0)))
                outcomes["report"] += 1
            except InputError:
                outcomes["input error (exit 2)"] += 1
            except Exception:  # noqa: BLE001 - that is what we are hunting
                outcomes["CRASH"] += 1
                crashes.append(f"input {i} ({name}, seed {args.seed}):\n{traceback.format_exc()}")
                print("CRASH " + crashes[-1], flush=True)
            took = time.monotonic() - t0
            slowest = max(slowest, (took, f"input {i} ({name})"))
            path.unlink()
            if (i + 1) % 100 == 0:
                print(f"  {i + 1} inputs, {dict(outcomes)}", flush=True)
    print(f"inputs tried: {args.inputs} in {time.monotonic() - started:.0f} s (seed {args.seed})")
    for k, v in sorted(outcomes.items()):
        print(f"  {k:22s} {v}")
    print(f"  slowest input: {slowest[0]:.2f} s ({slowest[1]})")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
