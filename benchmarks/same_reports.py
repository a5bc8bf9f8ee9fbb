"""Do two builds of verify give the same reports?  For speed work that must not change any result.

``write`` runs ``verify CLIP --json F --quiet`` on every fixture clip (``fixtures/*.mp4 *.avi
*.webm``) and on the speed benchmark's clips (``benchmarks/.cache/*.mp4 *.webm``, made by
``speed.py``), and keeps each JSON report with the fields that are only timing left out
(``analysis.seconds``, ``analysis.analysed_at``, ``analysis.decode.seconds``); ``compare`` lists
the clips whose reports differ between two such folders.  Everything else (shots, keyframes and
their hashes, scene seconds, flags, versions) must be byte-identical.

Run from the repository root, once with the build before the change and once after::

    .venv/bin/python benchmarks/same_reports.py write /tmp/before --verify /path/to/main/.venv/bin/verify
    .venv/bin/python benchmarks/same_reports.py write /tmp/after
    .venv/bin/python benchmarks/same_reports.py compare /tmp/before /tmp/after

``--only NAME`` (repeatable) limits ``write`` to clips whose file name contains NAME.  Exit status of
``compare``: 0 when every report is the same and both folders hold the same clips, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMING = (("seconds",), ("analysed_at",), ("decode", "seconds"))  # under "analysis"


def clips() -> list[Path]:
    found = []
    for folder, patterns in ((ROOT / "fixtures", ("*.mp4", "*.avi", "*.webm")),
                             (ROOT / "benchmarks" / ".cache", ("*.mp4", "*.webm"))):
        for pattern in patterns:
            found += sorted(p for p in folder.glob(pattern) if not p.name.startswith("partial-"))
    return found


def without_timing(report: dict) -> dict:
    analysis = report.get("analysis", {})
    for path in TIMING:
        holder = analysis
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict):
            holder.pop(path[-1], None)
    return report


def write(out: Path, verify: str, only: list[str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips():
            if only and not any(name in clip.name for name in only):
                continue
            raw = Path(tmp) / "report.json"
            proc = subprocess.run([verify, str(clip), "--json", str(raw), "--quiet"], cwd=ROOT,
                                  capture_output=True, text=True)
            if proc.returncode not in (0, 1) or not raw.is_file():  # 1: a --fail-on flag (none given)
                (out / f"{clip.name}.error").write_text(proc.stderr)
                print(f"{clip.name}: verify failed (exit {proc.returncode})", file=sys.stderr)
                failed += 1
                continue
            report = without_timing(json.loads(raw.read_text()))
            (out / f"{clip.name}.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
            print(f"{clip.name}: written", flush=True)
    return 1 if failed else 0


def compare(a: Path, b: Path) -> int:
    names_a = {p.name for p in a.glob("*.json")}
    names_b = {p.name for p in b.glob("*.json")}
    differ = sorted(n for n in names_a & names_b if (a / n).read_bytes() != (b / n).read_bytes())
    for name in differ:
        print(f"DIFFERENT  {name}")
    for name in sorted(names_a ^ names_b):
        print(f"ONLY IN {'first' if name in names_a else 'second'}  {name}")
    same = len(names_a & names_b) - len(differ)
    print(f"{same} of {len(names_a | names_b)} reports identical (timing fields aside)")
    return 0 if not differ and names_a == names_b else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare verify's reports of the fixtures and speed clips "
                                                 "between two builds (timing fields aside).")
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write the reports of every clip into a folder")
    w.add_argument("out", type=Path)
    w.add_argument("--verify", default=str(Path(sys.executable).parent / "verify"),
                   help="the verify executable to run (default: this venv's)")
    w.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="only clips whose file name contains NAME (repeatable)")
    c = sub.add_parser("compare", help="list the reports that differ between two folders")
    c.add_argument("first", type=Path)
    c.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    if args.command == "write":
        return write(args.out, args.verify, args.only)
    return compare(args.first, args.second)


if __name__ == "__main__":
    sys.exit(main())
