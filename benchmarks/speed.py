"""Speed and memory benchmark of the ``verify`` CLI against two baselines.

It times four kinds of stream (``KINDS``), each made once from one >= 60 s 1920x1080 30 fps
H.264 clip built from the real footage in ``fixtures/`` (see "The clip" below): that clip
itself (x264 with B-frames), H.264 without B-frames at 16 Mb/s (IPPP, as phones record), HEVC
without B-frames at 8 Mb/s (as iPhones record) and 720p VP9 in WebM (as platforms serve it).
``--kinds`` picks some; PySceneDetect runs on the first kind only.

What it measures, on each:

1. ``verify CLIP --json TMP --quiet``: wall time of the whole command, and the peak
   resident memory (max RSS) of that child process, taken from ``os.wait4``;
2. ``ffmpeg -hide_banner -nostats -i CLIP -map 0:v:0 -f null -``: a plain decode of
   the video stream by the imageio-ffmpeg binary, default threads;
3. PySceneDetect's CLI ``scenedetect -i CLIP detect-content`` (all defaults: OpenCV
   backend, automatic downscale), run from its own cached venv.

The tools run interleaved, ``--repeat`` rounds (default 3) with the order rotated each
round so that load and caches affect all alike; the median wall time is reported, and
the largest peak RSS. It then checks the targets and prints PASS/FAIL for each:

* verify wall time <= 1.2 x the ffmpeg decode;
* verify faster than PySceneDetect ``detect-content``;
* verify peak memory <= 300 MB (10^6 bytes).

Exit status: 0 when every target passes, 1 when one fails (or verify failed to run),
2 when the benchmark could not be set up (no fixtures, clip or venv creation failed).

How to run, from the repository root::

    .venv/bin/python benchmarks/speed.py                   # 3 interleaved rounds, four kinds
    .venv/bin/python benchmarks/speed.py --kinds h264-ippp-1080p,vp9-720p
    .venv/bin/python benchmarks/speed.py --repeat 1 --out results.json
    .venv/bin/python benchmarks/speed.py --clip other.mp4  # time an existing clip

The clip
    Generated on first run into ``benchmarks/.cache/clip-<recipe hash>.mp4`` (that
    folder is gitignored) from the real clips in ``fixtures/``: pieces of 1.5-4.4 s,
    taken round-robin from the sources and framed alternately (full frame, zoomed,
    mirrored), are scaled/cropped to 1920x1080, set to 30 fps and concatenated, so
    every joint is a real hard cut; libx264 ``-preset veryfast -crf 23``, yuv420p, no
    audio. The file name carries a hash of the recipe (parameters + the sources'
    SHA-256), so it is regenerated only when the recipe or a source changes.

PySceneDetect
    The ``scenedetect`` PyPI package pulls in ``opencv-python`` (the GUI build), which
    must not sit next to the project's ``opencv-python-headless`` (both provide
    ``cv2``). Its twin ``scenedetect-headless`` (same code, same ``scenedetect`` CLI,
    depends on ``opencv-python-headless``) is installed once into a separate venv,
    ``benchmarks/.cache/sd-venv``, by ``pip`` from PyPI; the project venv is untouched.

Needs a POSIX system (``os.wait4``) and the project venv (PyAV, imageio-ffmpeg).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg  # type: ignore[import-untyped]

from verify.hashing import file_sha256

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
FIXTURES = ROOT / "fixtures"
CACHE = BENCH_DIR / ".cache"
SD_VENV = CACHE / "sd-venv"

# The PySceneDetect build used as a baseline; bump deliberately (figures depend on it).
SD_REQUIREMENT = "scenedetect-headless==0.7.2"

# Targets.
MAX_RATIO_VS_FFMPEG = 1.2
MAX_RATIO_VS_SCENEDETECT = 1.0  # strictly below: verify must be faster
MAX_PEAK_MB = 300.0

# --- clip recipe -------------------------------------------------------------------
# Bump RECIPE_VERSION whenever the code that turns the recipe into a clip changes.
RECIPE_VERSION = 1
# The real-footage fixtures, in the order their pieces are taken; those present are used.
# (The other fixtures are deliberately damaged, truncated or rotated: not used.)
REAL_FIXTURES = ("ministry.mp4", "cuts.mp4", "cup.mp4")
WIDTH, HEIGHT, FPS = 1920, 1080, 30
MIN_SECONDS = 60.0
# Lengths of the pieces, cycled: a news-edit pace of ~3 s shots.
PIECE_SECONDS = (3.0, 2.2, 4.1, 1.5, 3.6, 2.7, 1.9, 4.4)
# Framings, cycled: (zoom, x position 0..1, y position 0..1, mirrored). Consecutive
# pieces never share a framing, so even pieces of the same source meet at a hard cut.
VIEWS = (
    (1.0, 0.5, 0.5, False),
    (1.5, 0.15, 0.3, True),
    (1.25, 0.85, 0.7, False),
    (1.8, 0.5, 0.2, True),
    (1.1, 0.3, 0.9, False),
)
GAP_SECONDS = 0.8  # skipped between two pieces of one source: a jump in time too
EDGE_SECONDS = 0.25  # kept clear of a source's end (seeking/EOF slack)
CODEC, PRESET, CRF, PIX_FMT = "libx264", "veryfast", 23, "yuv420p"

# The kinds of stream timed, each made once from the clip above (the first is the clip itself):
# name -> (what it stands for, ffmpeg arguments of the re-encode)
KINDS: dict[str, tuple[str, list[str]]] = {
    "x264-bframes-1080p": ("1080p H.264 with B-frames (x264 veryfast, as above)", []),
    "h264-ippp-1080p": ("1080p H.264 without B-frames at 16 Mb/s (IPPP..., as phones record)",
                        ["-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-b:v", "16M", "-maxrate", "20M",
                         "-bufsize", "20M", "-g", "60", "-pix_fmt", PIX_FMT]),
    "hevc-ippp-1080p": ("1080p HEVC without B-frames at 8 Mb/s (as iPhones record)",
                        ["-c:v", "libx265", "-preset", "ultrafast", "-b:v", "8M", "-pix_fmt", PIX_FMT,
                         "-x265-params", "bframes=0:keyint=60:log-level=error", "-tag:v", "hvc1"]),
    "vp9-720p": ("720p VP9 in WebM (as a video platform serves it)",
                 ["-vf", "scale=1280:720", "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "32", "-deadline", "realtime",
                  "-cpu-used", "8", "-row-mt", "1", "-pix_fmt", PIX_FMT]),
}


@dataclass(frozen=True)
class Source:
    path: Path
    sha256: str
    duration_s: float


@dataclass(frozen=True)
class Piece:
    source: int  # index into the sources
    start_s: float
    frames: int
    view: int  # index into VIEWS


@dataclass
class Run:
    """One timed run of one tool."""

    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


@dataclass
class ToolResult:
    key: str
    label: str
    argv: list[str]
    runs: list[Run] = field(default_factory=list)
    error: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median_wall_s(self) -> float | None:
        return statistics.median(r.wall_s for r in self.runs) if self.runs else None

    @property
    def median_cpu_s(self) -> float | None:
        return statistics.median(r.cpu_s for r in self.runs) if self.runs else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max(r.peak_rss_mb for r in self.runs) if self.runs else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "argv": self.argv,
            "error": self.error,
            "median_wall_s": self.median_wall_s,
            "median_cpu_s": self.median_cpu_s,
            "peak_rss_mb": self.peak_rss_mb,
            "runs": [{k: v for k, v in asdict(r).items() if k not in ("stdout", "stderr")} for r in self.runs],
            "notes": self.notes,
        }


class SetupError(RuntimeError):
    """The benchmark cannot run (missing fixtures, failed clip or venv creation)."""


# --- small helpers --------------------------------------------------------------------


def ffmpeg_exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_checked(argv: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a set-up command; raise SetupError with its output when it fails."""
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    if proc.returncode != 0:
        raise SetupError(
            f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n{tail(proc.stderr or proc.stdout)}"
        )
    return proc


def measure(argv: list[str], workdir: Path, name: str, env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` once; wall time, CPU time and peak RSS of that child process.

    ``os.wait4`` returns the rusage of exactly this child (its ``ru_maxrss`` is the
    largest single process of its tree, never a sum), unaffected by earlier runs.
    Output goes to files, so a chatty tool can't block on a full pipe.
    """
    out_path, err_path = workdir / f"{name}.stdout", workdir / f"{name}.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=workdir, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # we reaped it, not Popen
    rss_bytes = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # Linux: KiB
    return Run(
        wall_s=wall,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        peak_rss_mb=rss_bytes / 1e6,
        returncode=proc.returncode,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


# --- the clip -------------------------------------------------------------------------


def find_sources() -> list[Path]:
    """The real-footage fixtures to build the clip from."""
    found = [FIXTURES / name for name in REAL_FIXTURES if (FIXTURES / name).is_file()]
    if not found:
        raise SetupError(f"none of {', '.join(REAL_FIXTURES)} is in {FIXTURES}; pass --clip PATH")
    return found


def video_duration(path: Path) -> float:
    with av.open(str(path)) as container:
        if not container.streams.video:
            return 0.0
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return (container.duration or 0) / av.time_base


def plan_pieces(sources: list[Source]) -> list[Piece]:
    """Cut the sources into pieces until the clip lasts at least MIN_SECONDS."""
    cursors = [0.0] * len(sources)
    pieces: list[Piece] = []
    total = 0
    i = 0
    while total < math.ceil(MIN_SECONDS * FPS):
        s = i % len(sources)
        usable = sources[s].duration_s - EDGE_SECONDS
        frames = min(round(PIECE_SECONDS[i % len(PIECE_SECONDS)] * FPS), math.floor(usable * FPS))
        start = cursors[s]
        if start + frames / FPS > usable:
            start = 0.0  # wrap around: loop the source
        cursors[s] = start + frames / FPS + GAP_SECONDS
        pieces.append(Piece(source=s, start_s=round(start, 3), frames=frames, view=i % len(VIEWS)))
        total += frames
        i += 1
    return pieces


def recipe(sources: list[Source]) -> dict[str, Any]:
    return {
        "version": RECIPE_VERSION,
        "sources": [{"name": s.path.name, "sha256": s.sha256} for s in sources],
        "size": [WIDTH, HEIGHT],
        "fps": FPS,
        "min_seconds": MIN_SECONDS,
        "piece_seconds": PIECE_SECONDS,
        "views": VIEWS,
        "gap_seconds": GAP_SECONDS,
        "edge_seconds": EDGE_SECONDS,
        "encoder": {"codec": CODEC, "preset": PRESET, "crf": CRF, "pix_fmt": PIX_FMT},
    }


def filter_graph(pieces: list[Piece]) -> str:
    chains = []
    for k, piece in enumerate(pieces):
        zoom, x, y, mirrored = VIEWS[piece.view]
        w, h = 2 * math.ceil(WIDTH * zoom / 2), 2 * math.ceil(HEIGHT * zoom / 2)
        steps = [
            "setpts=PTS-STARTPTS",
            f"fps={FPS}",
            f"trim=end_frame={piece.frames}",
            "setpts=PTS-STARTPTS",
            f"scale={w}:{h}:force_original_aspect_ratio=increase:force_divisible_by=2",
            f"crop={WIDTH}:{HEIGHT}:(iw-{WIDTH})*{x}:(ih-{HEIGHT})*{y}",
            *(["hflip"] if mirrored else []),
            "setsar=1",
            f"format={PIX_FMT}",
        ]
        chains.append(f"[{k}:v:0]{','.join(steps)}[v{k}]")
    joined = "".join(f"[v{k}]" for k in range(len(pieces)))
    chains.append(f"{joined}concat=n={len(pieces)}:v=1:a=0[out]")
    return ";".join(chains)


def ensure_clip() -> tuple[Path, dict[str, Any]]:
    """Return the cached benchmark clip (generating it if needed) and its recipe."""
    paths = find_sources()
    sources = [Source(p, file_sha256(p), video_duration(p)) for p in paths]
    sources = [s for s in sources if s.duration_s - EDGE_SECONDS >= 1.0]
    if not sources:
        raise SetupError(f"no usable video (>= 1.25 s) among {[p.name for p in paths]}")
    spec = recipe(sources)
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    clip = CACHE / f"clip-{digest}.mp4"
    pieces = plan_pieces(sources)
    info = {
        "recipe_hash": digest,
        "recipe": spec,
        "pieces": [
            {"source": sources[p.source].path.name, "start_s": p.start_s, "frames": p.frames, "view": p.view}
            for p in pieces
        ],
    }
    if clip.is_file():
        return clip, info

    CACHE.mkdir(parents=True, exist_ok=True)
    seconds = sum(p.frames for p in pieces) / FPS
    print(
        f"Generating the benchmark clip ({len(pieces)} pieces, {seconds:.1f} s, {WIDTH}x{HEIGHT}) "
        f"from {', '.join(s.path.name for s in sources)} into {clip.relative_to(ROOT)} ...",
        file=sys.stderr,
        flush=True,
    )
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for p in pieces:
        # Input seeking (decodes from the previous keyframe, exact); a little slack on -t.
        argv += ["-ss", f"{p.start_s:.3f}", "-t", f"{p.frames / FPS + 0.5:.3f}", "-i", str(sources[p.source].path)]
    partial = CACHE / f"partial-{digest}.mp4"  # renamed to clip-*.mp4 once complete
    argv += [
        "-filter_complex", filter_graph(pieces), "-map", "[out]", "-an", "-map_metadata", "-1",
        "-c:v", CODEC, "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", PIX_FMT,
        "-movflags", "+faststart", str(partial),
    ]  # fmt: skip
    start = time.perf_counter()
    try:
        run_checked(argv, "clip generation")
        frames = clip_properties(partial)["frames"]
        if any(file_sha256(s.path) != s.sha256 for s in sources):
            raise SetupError("a fixture changed while the clip was being generated; run again")
        if frames < math.ceil(MIN_SECONDS * FPS):
            raise SetupError(f"generated clip has {frames} frames, fewer than {MIN_SECONDS:g} s at {FPS} fps")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for stale in CACHE.glob("clip-*.mp4"):  # clips of older recipes
        stale.unlink()
    partial.rename(clip)
    print(f"  done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return clip, info


def ensure_kind(kind: str, base: Path) -> Path:
    """The benchmark clip re-encoded as ``kind`` (cached beside it, named by its recipe)."""
    _, args = KINDS[kind]
    if not args:
        return base
    digest = hashlib.sha256(json.dumps([base.name, args]).encode()).hexdigest()[:12]
    suffix = ".webm" if "libvpx-vp9" in args else ".mp4"
    clip = CACHE / f"{kind}-{digest}{suffix}"
    if clip.is_file():
        return clip
    for stale in CACHE.glob(f"{kind}-*"):
        stale.unlink()
    print(f"Making the {kind} clip from {base.name} (once) ...", file=sys.stderr, flush=True)
    partial = CACHE / f"partial-{kind}-{digest}{suffix}"
    try:
        run_checked([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(base),
                     "-map", "0:v:0", "-an", *args, str(partial)], f"{kind} clip")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(clip)
    return clip


def clip_properties(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise SetupError(f"{path} has no video stream")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        duration = video_duration(path)
        frames = stream.frames or round(duration * float(stream.average_rate or 0))
        return {
            "path": str(path),
            "size_bytes": path.stat().st_size,
            "container": container.format.name,
            "codec": ctx.name,
            "profile": ctx.profile,
            "width": ctx.width,
            "height": ctx.height,
            "pix_fmt": ctx.pix_fmt,
            "fps": float(stream.average_rate) if stream.average_rate else None,
            "frames": frames,
            "duration_s": duration,
            "bit_rate": container.bit_rate,
            "audio_streams": len(container.streams.audio),
        }


# --- PySceneDetect venv ---------------------------------------------------------------


def sd_bin(name: str) -> Path:
    return SD_VENV / "bin" / name


def ensure_scenedetect() -> dict[str, str]:
    """Create (once) the separate PySceneDetect venv; return its package versions."""
    stamp_path = SD_VENV / "bench-stamp.json"
    stamp = {"requirement": SD_REQUIREMENT, "base_python": sys.base_prefix, "python": platform.python_version()}
    if stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp:
        try:
            return scenedetect_versions()
        except SetupError:
            pass  # broken venv: rebuild it below
    print(f"Creating {SD_VENV.relative_to(ROOT)} with {SD_REQUIREMENT} (once) ...", file=sys.stderr, flush=True)
    stamp_path.unlink(missing_ok=True)
    pip_args = ["install", "--disable-pip-version-check", "--quiet", SD_REQUIREMENT]
    try:
        run_checked([sys.executable, "-m", "venv", "--clear", str(SD_VENV)], "venv creation")
        run_checked([str(sd_bin("python")), "-m", "pip", *pip_args], "pip install")
    except SetupError:
        # No ensurepip (e.g. Debian without python3-venv): a bare venv, filled by this pip.
        run_checked([sys.executable, "-m", "venv", "--clear", "--without-pip", str(SD_VENV)], "venv creation")
        run_checked([sys.executable, "-m", "pip", "--python", str(sd_bin("python")), *pip_args], "pip install")
    versions = scenedetect_versions()
    stamp_path.write_text(json.dumps(stamp))
    return versions


def scenedetect_versions() -> dict[str, str]:
    code = (
        "import json, cv2, numpy, scenedetect; "
        "print(json.dumps({'scenedetect': scenedetect.__version__, 'opencv': cv2.__version__, "
        "'numpy': numpy.__version__}))"
    )
    if not sd_bin("scenedetect").is_file():
        raise SetupError(f"{sd_bin('scenedetect')} is missing")
    out = run_checked([str(sd_bin("python")), "-c", code], "PySceneDetect import").stdout
    versions: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return versions


# --- machine facts --------------------------------------------------------------------


def compile_verify() -> str:
    """Byte-compile the verify package ahead, as installing a wheel does (pip writes the .pyc files).
    An editable install compiles on first import and caches the result, unless PYTHONDONTWRITEBYTECODE
    is set: then every timed run would compile verify's modules again (~0.05 CPU-s, measured), a cost
    no installed verify has."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("verify")
    if spec is None or not spec.submodule_search_locations:
        raise SetupError("the verify package is not importable from this interpreter")
    folder = list(spec.submodule_search_locations)[0]
    if not compileall.compile_dir(folder, quiet=1):
        raise SetupError(f"could not byte-compile {folder}")
    return folder


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def machine_facts(sd_versions: dict[str, str]) -> dict[str, Any]:
    ffmpeg_version = run_checked([ffmpeg_exe(), "-hide_banner", "-version"], "ffmpeg -version").stdout
    try:
        from importlib.metadata import version

        verify_version: str | None = version("verify")
    except Exception:
        verify_version = None
    return {
        "cpu_model": cpu_model(),
        "cores_online": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": memory_gib(),
        "os": platform.platform(),
        "load_average_1m_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "pyav": av.__version__,
        "pyav_ffmpeg": getattr(av, "ffmpeg_version_info", None),
        "ffmpeg": ffmpeg_version.splitlines()[0].removeprefix("ffmpeg version ").split(" Copyright")[0],
        "ffmpeg_path": ffmpeg_exe(),
        "imageio_ffmpeg": imageio_ffmpeg.__version__,
        "verify": verify_version,
        "pyscenedetect": sd_versions,
    }


# --- the benchmark --------------------------------------------------------------------


def check_run(tool: ToolResult, run: Run, argv: list[str], workdir: Path, round_no: int) -> None:
    """Record tool-specific sanity facts; mark the tool failed when the run failed."""
    if run.returncode != 0:
        tool.error = f"exit status {run.returncode} in round {round_no}"
        print(f"\nERROR: {tool.label} failed ({tool.error}): {' '.join(argv)}", file=sys.stderr)
        print(tail(run.stderr or run.stdout) or "(no output)", file=sys.stderr)
        return
    if tool.key == "verify":
        report_path = workdir / f"verify-r{round_no}.json"
        try:
            report = json.loads(report_path.read_text())
        except (OSError, ValueError) as exc:
            tool.error = f"exited 0 but wrote no readable JSON report ({exc})"
            print(f"\nERROR: verify {tool.error}", file=sys.stderr)
            print(tail(run.stderr or run.stdout) or "(no output)", file=sys.stderr)
            return
        tool.notes["shots"] = len(report.get("shots") or [])
        tool.notes["frames"] = (report.get("media") or {}).get("frame_count")
    elif tool.key == "scenedetect":
        found = re.search(r"Detected (\d+) scenes", run.stdout + run.stderr)
        if found:
            tool.notes["scenes"] = int(found.group(1))


def benchmark(clip: Path, repeat: int, workdir: Path, scenedetect: bool = True) -> list[ToolResult]:
    verify_exe = Path(sys.executable).parent / "verify"
    sd_env = dict(os.environ, XDG_CONFIG_HOME=str(workdir / "xdg-config"))  # no user scenedetect.cfg
    (workdir / "xdg-config").mkdir(exist_ok=True)
    tools = [
        ToolResult("verify", "verify", [str(verify_exe), str(clip), "--json", "<tmp>.json", "--quiet"]),
        ToolResult("ffmpeg", "ffmpeg decode",
                   [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(clip), "-map", "0:v:0", "-f", "null", "-"]),
        ToolResult("scenedetect", "PySceneDetect detect-content (CLI)",
                   [str(sd_bin("scenedetect")), "-i", str(clip), "detect-content"]),
    ][:3 if scenedetect else 2]  # fmt: skip
    if not verify_exe.is_file():
        tools[0].error = f"{verify_exe} does not exist (is the project installed in this venv?)"
        print(f"ERROR: {tools[0].error}", file=sys.stderr)

    width = max(len(t.label) for t in tools)
    for round_no in range(1, repeat + 1):
        shift = (round_no - 1) % len(tools)
        order = tools[shift:] + tools[:shift]  # rotate: no tool always runs first
        print(f"  round {round_no}/{repeat}:", flush=True)
        for tool in order:
            if tool.error:
                continue
            argv = list(tool.argv)
            env = None
            if tool.key == "verify":
                argv[3] = str(workdir / f"verify-r{round_no}.json")
            elif tool.key == "scenedetect":
                env = sd_env
            try:
                run = measure(argv, workdir, f"{tool.key}-r{round_no}", env=env)
            except OSError as exc:
                tool.error = f"could not start: {exc}"
                print(f"\nERROR: {tool.label} {tool.error}", file=sys.stderr)
                continue
            check_run(tool, run, argv, workdir, round_no)
            if tool.error:
                continue
            tool.runs.append(run)
            print(
                f"    {tool.label:<{width}}  {run.wall_s:7.2f} s wall  {run.cpu_s:7.2f} s cpu"
                f"  {run.peak_rss_mb:7.1f} MB peak",
                flush=True,
            )
    return tools


def evaluate(tools: list[ToolResult]) -> list[dict[str, Any]]:
    by_key = {t.key: t for t in tools}
    verify, ffmpeg, sd = by_key["verify"], by_key["ffmpeg"], by_key.get("scenedetect")

    def ratio(a: ToolResult, b: ToolResult) -> float | None:
        if a.median_wall_s is None or b.median_wall_s is None or a.error or b.error:
            return None
        return a.median_wall_s / b.median_wall_s

    peak = None if verify.error else verify.peak_rss_mb
    targets = [
        ("verify / ffmpeg decode (wall)", ratio(verify, ffmpeg), MAX_RATIO_VS_FFMPEG, "x", "<="),
        *([("verify / PySceneDetect (wall)", ratio(verify, sd), MAX_RATIO_VS_SCENEDETECT, "x", "<")] if sd else []),
        ("verify peak memory (max RSS)", peak, MAX_PEAK_MB, "MB", "<="),
    ]
    results = []
    for name, value, limit, unit, op in targets:
        passed = value is not None and (value <= limit if op == "<=" else value < limit)
        results.append({"target": name, "value": value, "limit": limit, "unit": unit, "op": op, "passed": passed})
    return results


def cpu_ratios(tools: list[ToolResult]) -> dict[str, float | None]:
    """verify's CPU time (user + sys) over each baseline's: informative, less sensitive to load."""
    by_key = {t.key: t for t in tools}
    mine = None if by_key["verify"].error else by_key["verify"].median_cpu_s
    ratios: dict[str, float | None] = {}
    for key in ("ffmpeg", "scenedetect"):
        if key not in by_key:
            continue
        theirs = None if by_key[key].error else by_key[key].median_cpu_s
        ratios[f"verify/{key}"] = mine / theirs if mine is not None and theirs else None
    return ratios


# --- report ---------------------------------------------------------------------------


def fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{format(value, spec)}{unit}"


def print_machine(m: dict[str, Any]) -> None:
    sd = m["pyscenedetect"]
    print("Machine")
    mem = fmt(m["memory_gib"], ".1f", " GiB")
    print(f"  CPU            {m['cpu_model']}: {m['cores_usable']} usable of {m['cores_online']} cores, {mem} RAM")
    print(f"  OS             {m['os']}")
    load = m["load_average_1m_at_start"]
    busy = load is not None and load > 0.5
    warning = "  WARNING: the machine is busy; figures will be noisy" if busy else ""
    print(f"  Load (1 min)   {fmt(load, '.2f')}{warning}")
    print(f"  Python         {m['python']} ({m['python_executable']})")
    print(f"  PyAV           {m['pyav']} (FFmpeg {m['pyav_ffmpeg'] or '?'} inside the wheel)")
    print(f"  FFmpeg binary  {m['ffmpeg']} (imageio-ffmpeg {m['imageio_ffmpeg']})")
    print(f"  PySceneDetect  {sd['scenedetect']} (OpenCV {sd['opencv']}, numpy {sd['numpy']}; {SD_REQUIREMENT})")
    print(f"  verify         {m['verify'] or '?'}; bytecode {m.get('verify_bytecode', '?')}")


def print_clip(c: dict[str, Any], info: dict[str, Any] | None) -> None:
    print("Clip")
    print(f"  {c['path']}")
    rate = fmt(c["bit_rate"] / 1e6 if c["bit_rate"] else None, ".2f", " Mb/s")
    print(
        f"  {c['width']}x{c['height']} {c['codec']} ({c['profile']}) {c['pix_fmt']}, {fmt(c['fps'], '.3g')} fps, "
        f"{c['frames']} frames, {c['duration_s']:.2f} s, {c['size_bytes'] / 1e6:.1f} MB, {rate}, "
        f"{c['audio_streams']} audio stream(s)"
    )
    if info:
        names = [source["name"] for source in info["recipe"]["sources"]]
        enc = info["recipe"]["encoder"]
        n = len(info["pieces"])
        print(
            f"  recipe {info['recipe_hash']}: {n} pieces joined by {n - 1} hard cuts "
            f"from {', '.join(names)}; {enc['codec']} -preset {enc['preset']} -crf {enc['crf']} {enc['pix_fmt']}"
        )


def print_results(tools: list[ToolResult], targets: list[dict[str, Any]], clip_seconds: float, repeat: int) -> None:
    print(f"Results (median wall of {repeat} interleaved run(s); peak RSS = largest of the runs)")
    width = max(len(t.label) for t in tools)
    print(f"  {'':<{width}}  {'wall s':>8}  {'cpu s':>8}  {'x realtime':>10}  {'peak MB':>8}")
    for t in tools:
        if t.error:
            print(f"  {t.label:<{width}}  FAILED: {t.error}")
            continue
        wall = t.median_wall_s
        speed = clip_seconds / wall if wall else None
        print(
            f"  {t.label:<{width}}  {fmt(wall, '8.2f')}  {fmt(t.median_cpu_s, '8.2f')}  {fmt(speed, '10.1f')}"
            f"  {fmt(t.peak_rss_mb, '8.1f')}"
        )
    for t in tools:
        if t.notes:
            print(f"  ({t.label}: {', '.join(f'{k} {v}' for k, v in t.notes.items())})")
    cpu = cpu_ratios(tools)
    print("  CPU-time ratios (information only, less sensitive to load): "
          + ", ".join(f"{k} {fmt(v, '.2f', 'x')}" for k, v in cpu.items()))
    print("Targets")
    for r in targets:
        spec = ".2f" if r["unit"] == "x" else ".1f"
        value = fmt(r["value"], spec, r["unit"] if r["unit"] == "x" else f" {r['unit']}")
        limit = f"{r['op']} " + format(r["limit"], spec) + (r["unit"] if r["unit"] == "x" else f" {r['unit']}")
        print(f"  {r['target']:<32} {value:>10}   target {limit:<12} {'PASS' if r['passed'] else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `verify` against an ffmpeg decode (and PySceneDetect) on 1080p/720p clips of four kinds.",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="interleaved rounds; the median wall time is reported (default 3)",
    )
    parser.add_argument("--clip", type=Path, help="use this clip instead of the generated ones")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated kinds of stream to time (default all: {', '.join(KINDS)})")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder (verify JSON reports, every run's stdout/stderr)"
    )
    parser.add_argument("--out", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    kinds = [k for k in args.kinds.split(",") if k]
    if any(k not in KINDS for k in kinds):
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")

    try:
        if args.clip:
            if not args.clip.is_file():
                raise SetupError(f"--clip {args.clip}: no such file")
            clips, info = [("clip", args.clip.resolve())], None
        else:
            base, info = ensure_clip()
            clips = [(k, ensure_kind(k, base)) for k in kinds]
        sd_versions = ensure_scenedetect()
        machine = machine_facts(sd_versions)
        machine["verify_bytecode"] = f"compiled ahead in {compile_verify()} (as an installed wheel has it)"
    except SetupError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2

    print_machine(machine)
    results: dict[str, Any] = {"machine": machine, "repeat": args.repeat, "kinds": {}}
    passed = True
    summary = []
    for n, (kind, clip) in enumerate(clips):
        clip_facts = clip_properties(clip)
        print(f"\n=== {kind}: {KINDS[kind][0] if kind in KINDS else clip}")
        print_clip(clip_facts, info if n == 0 or kind not in KINDS else None)
        file_sha256(clip)  # a full read into the page cache: no tool pays for the first read from disk
        workdir = Path(tempfile.mkdtemp(prefix="verify-bench-"))
        try:
            print(f"Runs ({args.repeat} round(s), order rotated each round)")
            tools = benchmark(clip, args.repeat, workdir, scenedetect=n == 0)  # PySceneDetect on the first kind
            targets = evaluate(tools)
            print_results(tools, targets, clip_facts["duration_s"], args.repeat)
        finally:
            if args.keep:
                print(f"Scratch files kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        passed = passed and all(r["passed"] for r in targets)
        by_key = {t.key: t for t in tools}
        summary.append((kind, by_key["verify"].median_wall_s, by_key["ffmpeg"].median_wall_s,
                        targets[0]["value"], by_key["verify"].peak_rss_mb))
        results["kinds"][kind] = {"clip": clip_facts, "tools": {t.key: t.to_dict() for t in tools},
                                  "targets": targets, "cpu_ratios": cpu_ratios(tools)}
    print("\nSummary (verify / ffmpeg -f null, median wall)")
    for kind, mine, theirs, ratio, peak in summary:
        print(f"  {kind:<20} verify {fmt(mine, '.2f', ' s')}  ffmpeg {fmt(theirs, '.2f', ' s')}  "
              f"{fmt(ratio, '.2f', 'x')}  peak {fmt(peak, '.0f', ' MB')}")
    if info:
        results["generated"] = info
    results["all_passed"] = passed
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"Results written to {args.out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
