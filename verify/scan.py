"""``verify scan DIR --out OUTDIR``: every video and image below a folder, for nightly archive runs.

Files are analysed in parallel worker processes (``concurrent.futures.ProcessPoolExecutor``, spawned
workers, at most ``--jobs`` files in flight).  Each file gets ``OUTDIR/<name>.json`` (and ``.html``
with ``--html``), where ``<name>`` is its path below DIR made file-name safe plus a short hash of
that path, so ``a/clip.mp4`` and ``b/clip.mp4`` never collide.

A cache (``OUTDIR/.verify-scan-cache.json``) remembers, per file, the key ``SHA-256 : verify version :
options``; a file whose key and outputs are unchanged is hashed but not analysed again, and its
flags are read back from its JSON.  One bad file never stops the scan: an unreadable file, an
exception, even a worker process that dies, becomes an "error" row and a JUnit ``<error>``.  The exit
code follows the single-clip rules: 2 when any file could not be analysed, else 1 when a
``--fail-on`` flag fired, else 0.

With ``--dask ADDRESS`` or ``--workers N`` the same tasks run on a Dask cluster instead of local
processes (``scan_dask.py``); everything else (cache, reports, JUnit, exit code) is this module's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import socket
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from . import __version__
from .failon import fired
from .hashing import file_sha256
from .pipeline import IMAGE_EXTENSIONS
from .provenance.source import is_url
from .render.safe import visible

VIDEO_EXTENSIONS = {".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".3gp", ".3g2",
                    ".mpg", ".mpeg", ".mpe", ".m2v", ".ts", ".mts", ".m2ts", ".vob", ".ogv", ".ogg", ".dv", ".mxf",
                    ".y4m", ".divx", ".f4v", ".rm", ".rmvb"}
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | IMAGE_EXTENSIONS
CACHE_NAME = ".verify-scan-cache.json"
CACHE_FORMAT = 1

Status = Literal["analysed", "unchanged", "error"]


@dataclass(frozen=True)
class ScanOptions:
    jobs: int = max(1, os.cpu_count() or 1)
    html: Path | None = None  # folder for one HTML page per file (--html DIR)
    index: Path | str | None = None  # known-footage index searched for reused spans (--index DB/URL or the default)
    fail_on: frozenset[str] = frozenset()
    analysis: dict[str, Any] = field(default_factory=lambda: plain_analysis())  # the shared analysis options
    dask: str | None = None  # --dask: the address of a Dask scheduler to run the files on
    workers: int | None = None  # --workers: a local Dask cluster of this many processes

    @classmethod
    def from_args(cls, args: Any, checked: Any, jobs: int, dask: str | None = None,
                  workers: int | None = None) -> ScanOptions:
        """From the shared options of the command line (``cli_options.AnalysisArgs`` and its ``checked()``)."""
        analysis = plain_analysis(claimed_date=checked.claimed_date, keyframes_dir=args.keyframes,
                                  excerpts_dir=args.excerpts, known=args.known, default_index=checked.index.default,
                                  absolute_paths=args.absolute_paths, limits=checked.limits,
                                  scenes=not args.no_scenes, scene_model=args.scene_model,
                                  c2pa_trust=checked.c2pa_trust,
                                  fetching=checked.fetching)
        return cls(jobs=jobs, html=args.html, fail_on=checked.fail_on, analysis=analysis,
                   index=checked.index.location, dask=dask, workers=workers)


def plain_analysis(claimed_date: Any = None, keyframes_dir: Path | None = None, excerpts_dir: Path | None = None,
                   known: Path | None = None, default_index: bool = False, absolute_paths: bool = False,
                   limits: Any = None, scenes: bool = True, scene_model: Path | None = None,
                   c2pa_trust: str | None = None, fetching: Any = None) -> dict[str, Any]:
    """The analysis options of a scan as plain data (they cross into worker processes and the cache key)."""
    from .limits import Limits

    limits = limits or Limits()

    def text(p: Any) -> str | None:
        return str(p) if p is not None else None

    return {"claimed_date": claimed_date.isoformat() if claimed_date else None,
            "keyframes_dir": text(keyframes_dir), "excerpts_dir": text(excerpts_dir), "known": text(known),
            "default_index": default_index, "absolute_paths": absolute_paths,
            "limits": {"max_pixels": limits.max_pixels, "max_duration_s": limits.max_duration_s,
                       "max_frames": limits.max_frames, "timeout_s": limits.timeout_s},
            "scenes": scenes, "scene_model": text(scene_model),
            "c2pa_trust": c2pa_trust,  # the PEM text: other anchors, other reports
            "fetching": dataclasses.asdict(fetching) if fetching is not None else None}


@dataclass
class Task:
    """One file for a worker (plain data: it crosses a process boundary)."""

    src: str  # the file: DIR as given joined with the relative path
    rel: str  # relative to DIR, with '/' separators: the path reports show
    stem: str  # output name without extension
    outdir: str
    html: str | None  # folder of the HTML pages, or None
    index: str | None
    options_key: str  # verify version + options that change the report
    analysis: dict[str, Any] = field(default_factory=dict)  # ScanOptions.analysis
    cached: dict[str, Any] | None = None  # this file's entry in the cache from the last run
    source: dict[str, Any] | None = None  # set in the worker for a URL (--urls): where it was fetched from


@dataclass
class Outcome:
    rel: str
    status: Status
    sha256: str | None = None
    key: str | None = None
    json: str | None = None
    html: str | None = None
    flags: list[tuple[str, str, str]] = field(default_factory=list)  # (code, severity, message)
    kind: str | None = None
    duration_s: float | None = None
    shots: int | None = None
    reused: int = 0
    seconds: float = 0.0
    error: str | None = None
    fired: list[str] = field(default_factory=list)  # --fail-on codes that fired (filled by the parent)


@dataclass
class ScanResult:
    root: str
    outdir: str
    outcomes: list[Outcome]
    seconds: float
    fail_on: frozenset[str]
    retried: list[str] = field(default_factory=list)  # run again after a Dask worker died

    @property
    def exit_code(self) -> int:
        if any(o.status == "error" for o in self.outcomes):
            return 2
        return 1 if any(o.fired for o in self.outcomes) else 0

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def provenance_counts(self) -> tuple[int, int]:
        """(files marked as AI-generated, files whose Content Credentials no longer validate)."""
        def having(code: str) -> int:
            return sum(1 for o in self.outcomes if any(c == code for c, _, _ in o.flags))

        return having("c2pa_ai_generated"), having("c2pa_invalid")


# --- finding files and naming outputs ------------------------------------------------------------

def find_media(root: Path, exclude: Path | list[Path] | None = None) -> list[Path]:
    """Video and image files below *root* (by extension, any case), sorted; hidden names and the
    *exclude* folders (verify's own output folders) skipped."""
    skip = [exclude] if isinstance(exclude, Path) else list(exclude or [])
    excluded = {p.resolve() for p in skip}
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (here / d).resolve() not in excluded)
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in MEDIA_EXTENSIONS:
                found.append(here / name)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def output_stem(rel: str) -> str:
    """``a/b/clip.mp4`` -> ``a__b__clip.mp4-1f2e3d4c``: readable (the path's own letters, in any script,
    only unsafe characters replaced), and unique per relative path (8 hex of its SHA-256)."""
    from .names import readable

    digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    parts = [readable(part, fallback="_") for part in rel.split("/") if part not in ("", ".", "..")]
    joined = "__".join(parts) or "_"
    if len(joined.encode("utf-8")) > 120:
        joined = readable(joined[:40], "_") + "--" + readable(joined[-60:], "_")
    return f"{joined}-{digest}"


def options_key(opts: ScanOptions) -> str:
    """What besides the file's bytes decides its report: verify's version, the reference index, the
    --known footage and every analysis option."""
    blob = json.dumps({"index": index_identity(opts.index) if opts.index is not None else None,
                       "known": known_identity(opts.analysis.get("known")),
                       "analysis": {k: v for k, v in opts.analysis.items() if k != "fetching"},  # how, not what
                       "html": opts.html is not None}, sort_keys=True)
    return f"{__version__}:{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def known_identity(known: str | None) -> Any:
    """The files of a --known folder (path, size, modification time): a change means new reports."""
    if known is None:
        return None
    from .matching.footage import media_files

    try:
        return [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in media_files(Path(known))]
    except OSError as exc:
        return f"unusable: {exc}"


def index_identity(db: Path | str) -> Any:
    """The references an index holds (id, SHA-256, how a finding names them), not its file's timestamps:
    merely opening a SQLite index can touch those."""
    from .matching.store import IndexError_, open_store

    try:
        with open_store(db, create=False) as store:
            return [[r.id, r.sha256, r.public()] for r in store.refs()]
    except (IndexError_, OSError) as exc:
        return f"unusable: {exc}"


# --- the worker ----------------------------------------------------------------------------------


def _flags_of(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(str(f.get("code")), str(f.get("severity")), str(f.get("message", ""))) for f in report.get("flags", [])]


def _html_path(task: Task) -> Path | None:
    return Path(task.html) / f"{task.stem}.html" if task.html is not None else None


def _outputs_exist(data: dict[str, Any]) -> bool:
    """The keyframes and excerpts a cached report names are still on disk."""
    paths = [s.get("keyframe") for s in data.get("shots", [])]
    paths += [e.get("path") for e in data.get("analysis", {}).get("excerpts", [])]
    return all(Path(p).is_file() for p in paths if p)


def _from_json(task: Task, data: dict[str, Any], status: Status, key: str, started: float) -> Outcome:
    media = data.get("media", {})
    html = _html_path(task)
    return Outcome(task.rel, status, sha256=data.get("file", {}).get("sha256"), key=key,
                   json=f"{task.stem}.json", html=str(html) if html is not None else None,
                   flags=_flags_of(data), kind=media.get("kind"), duration_s=media.get("duration_s"),
                   shots=len(data.get("shots", [])), reused=len(data.get("reused", [])),
                   seconds=round(time.perf_counter() - started, 3))


def analyse_task(task: Task) -> Outcome:
    """Hash, skip when unchanged, else analyse and write the JSON (and HTML). Never raises."""
    from .errors import InputError

    started = time.perf_counter()
    src = Path(task.src)
    outdir = Path(task.outdir)
    json_path, html_path = outdir / f"{task.stem}.json", _html_path(task)
    try:
        if is_url(task.src):  # --urls: fetched into the URL cache (once), then a file like any other
            from .provenance.source import FetchOptions, fetch_with

            src, task.source = fetch_with(task.src, FetchOptions(**(task.analysis.get("fetching") or {})))
        try:
            sha = file_sha256(src)
        except OSError as exc:
            raise InputError(task.src, f"cannot be read ({exc.strerror or exc})") from None
        key = f"{sha}:{task.options_key}"
        cached = task.cached or {}
        if cached.get("key") == key and json_path.is_file() and (html_path is None or html_path.is_file()):
            try:
                data = json.loads(json_path.read_text(encoding="utf-8"))
                if data.get("file", {}).get("sha256") == sha and _outputs_exist(data):
                    return _from_json(task, data, "unchanged", key, started)
            except (OSError, ValueError):
                pass  # a damaged report is simply written again
        return _analyse(task, src, json_path, html_path, key, started)
    except InputError as exc:
        return Outcome(task.rel, "error", error=exc.problem, seconds=round(time.perf_counter() - started, 3))
    except Exception as exc:  # noqa: BLE001 - one bad file never stops a scan
        return Outcome(task.rel, "error", error=f"could not be analysed ({type(exc).__name__}: {str(exc)[:160]})",
                       seconds=round(time.perf_counter() - started, 3))


def task_options(task: Task) -> Any:
    """The pipeline's options for a task (rebuilt from plain data in the worker)."""
    import datetime as dt

    from .limits import Limits
    from .pipeline import Options

    a = task.analysis
    return Options(claimed_date=dt.date.fromisoformat(a["claimed_date"]) if a.get("claimed_date") else None,
                   keyframes_dir=Path(a["keyframes_dir"]) if a.get("keyframes_dir") else None,
                   absolute_paths=bool(a.get("absolute_paths")), limits=Limits(**a.get("limits", {})),
                   index=task.index,  # a file path or a postgresql:// URL, as given
                   known=Path(a["known"]) if a.get("known") else None, default_index=bool(a.get("default_index")),
                   scenes=a.get("scenes", True), scene_model=Path(a["scene_model"]) if a.get("scene_model") else None,
                   c2pa_trust=a.get("c2pa_trust"))


_OPEN_REFERENCES: dict[str, list[Any]] = {}  # in a worker process: the reference sets of the last index / --known


def _references(options: Any) -> list[Any] | None:
    """The reference sets a task searches, opened once per worker process and kept while the index is
    unchanged (``ReferenceSet.unchanged``: its stamp) and the --known folder too (``known_identity``),
    instead of once per file: opening an index of 10^7 fingerprints costs 0.5-0.9 s (the stamp, the
    reference list, the CRC check of the saved search index; ``benchmarks/scale.py``), more than the
    analysis of many a short clip, and a Dask worker lives on from file to file and scan to scan."""
    if options.index is None and options.known is None:
        return None
    from .matching.footage import open_references
    from .matching.store import is_url

    index = str(options.index) if options.index is not None else None
    try:  # a file replaced by another (same path, other inode) is another index
        inode = os.stat(index).st_ino if index is not None and not is_url(index) else None
    except OSError:
        inode = None
    key = json.dumps([index, inode, options.default_index, known_identity(str(options.known) if options.known
                                                                          else None)])
    sets = _OPEN_REFERENCES.get(key)
    if sets is not None and all(s.unchanged() for s in sets):
        return sets
    _OPEN_REFERENCES.clear()
    sets = open_references(options.index, options.known, default_index=options.default_index)
    _OPEN_REFERENCES[key] = sets
    return sets


def _analyse(task: Task, src: Path, json_path: Path, html_path: Path | None, key: str, started: float) -> Outcome:
    from .pipeline import analyse
    from .render.json_out import write_json

    options = task_options(task)
    options.source = task.source
    options.references = _references(options)
    analysis = analyse(src, options)
    report = analysis.report
    report.file.path = task.rel  # reports of a scan name files by their path below DIR
    if task.analysis.get("excerpts_dir"):
        from .excerpts import write_excerpts

        write_excerpts(src, report, task.analysis["excerpts_dir"])
    payload = report.to_dict()
    write_json(payload, str(json_path))
    if html_path is not None:
        from .render.html import render_html, write_html
        from .render.pictures import reuse_pictures

        write_html(render_html(report, analysis.thumbnails, reuse_pictures(report, src)), html_path)
    return _from_json(task, payload, "analysed", key, started)


# --- the parent ----------------------------------------------------------------------------------

def load_cache(outdir: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((outdir / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or not isinstance(data.get("files"), dict):
        return {}
    return data["files"]


def save_cache(outdir: Path, entries: dict[str, dict[str, Any]]) -> None:
    from .render.json_out import write_json

    write_json({"format": CACHE_FORMAT, "verify": __version__, "files": entries}, str(outdir / CACHE_NAME))


Worker = Callable[[Task], Outcome]


def _run_pool(tasks: list[Task], jobs: int, worker: Worker,
              done: Callable[[Outcome], None]) -> tuple[list[Task], list[Task]]:
    """Run *tasks* with at most *jobs* in flight.

    If a worker process dies, the pool breaks: return (the tasks in flight then, the tasks not started).
    """
    ctx = multiprocessing.get_context("spawn")
    pending = list(reversed(tasks))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        running: dict[Future[Outcome], Task] = {}
        while pending or running:
            while pending and len(running) < jobs:
                task = pending.pop()
                running[pool.submit(worker, task)] = task
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            broken: list[Task] = []
            for fut in finished:
                task = running.pop(fut)
                try:
                    done(fut.result())
                except BrokenProcessPool:
                    broken.append(task)
            if broken:
                for fut in running:  # the rest of the broken pool's work
                    broken.append(running[fut])
                _drain(running)
                return broken, list(reversed(pending))
    return [], []


def _drain(running: dict[Future[Outcome], Task]) -> None:
    for fut in running:
        try:
            fut.result()
        except Exception:  # noqa: BLE001 - they failed with the pool; their tasks are retried
            pass


def run_scan(root: Path | None, outdir: Path, opts: ScanOptions,
             progress: Callable[[Outcome, int, int], None] | None = None,
             worker: Worker = analyse_task, urls: list[str] | tuple[str, ...] = (),
             on_total: Callable[[int], None] | None = None) -> ScanResult:
    """Scan *root* (and the clips behind *urls*, ``--urls``) into *outdir*; see the module docstring.
    *progress* is told of each clip as it finishes, *on_total* of how many there are, before any."""
    started = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    outputs = [outdir] + [Path(p) for p in (opts.html, opts.analysis.get("keyframes_dir"),
                                            opts.analysis.get("excerpts_dir")) if p is not None]
    for folder in outputs[1:]:
        folder.mkdir(parents=True, exist_ok=True)
    files = find_media(root, exclude=outputs) if root is not None else []
    cache = load_cache(outdir)
    okey = options_key(opts)
    tasks = []
    inputs = [(str(path), path.relative_to(root).as_posix()) for path in files]
    inputs += [(url, url) for url in dict.fromkeys(urls)]  # a URL's reports are named by the URL
    for src, rel in inputs:
        tasks.append(Task(src=src, rel=rel, stem=output_stem(rel), outdir=str(outdir),
                          html=str(opts.html) if opts.html is not None else None,
                          index=str(opts.index) if opts.index is not None else None, options_key=okey,
                          analysis=opts.analysis, cached=cache.get(rel)))
    outcomes: dict[str, Outcome] = {}
    new_cache: dict[str, dict[str, Any]] = {}
    last_save = [time.monotonic()]
    if on_total:
        on_total(len(tasks))

    def done(outcome: Outcome) -> None:
        if outcome.status != "error" and opts.fail_on:
            outcome.fired = fired([(c, s) for c, s, _ in outcome.flags], outcome.reused > 0, opts.fail_on)
        outcomes[outcome.rel] = outcome
        if outcome.status != "error":
            new_cache[outcome.rel] = {"sha256": outcome.sha256, "key": outcome.key, "json": outcome.json,
                                      "html": outcome.html}
        if time.monotonic() - last_save[0] > 5:
            save_cache(outdir, {**cache, **new_cache})
            last_save[0] = time.monotonic()
        if progress:
            progress(outcome, len(outcomes), len(tasks))

    jobs = max(1, opts.jobs)
    remaining = tasks
    complete = False
    retried: list[str] = []
    try:
        if tasks and (opts.dask is not None or opts.workers is not None):
            from .scan_dask import run_dask

            retried = run_dask(tasks, str(outdir), done, worker, address=opts.dask, workers=opts.workers).retried
            remaining = []
        while remaining:
            in_flight, remaining = _run_pool(remaining, jobs, worker, done)
            # A worker died (a crash inside a decoder, the OOM killer...): run the files that were in
            # flight one per process, so the one that kills its process is named and the others finish.
            for task in in_flight:
                if _run_pool([task], 1, worker, done)[0]:
                    done(Outcome(task.rel, "error", error="the analysis process died (crash or out of "
                                                           "memory) while reading this file"))
        complete = True
    finally:  # an interrupted scan keeps what it finished, and the old entries of what it did not reach
        save_cache(outdir, new_cache if complete else {**cache, **new_cache})
    ordered = [outcomes[t.rel] for t in tasks if t.rel in outcomes]
    where = str(root) if root is not None else f"{len(urls)} URL(s)"
    return ScanResult(where, str(outdir), ordered, round(time.perf_counter() - started, 3), opts.fail_on,
                      retried)


# --- reports of the scan -------------------------------------------------------------------------

_XML_BAD = re.compile("[\ufffe\uffff]")


def _xml(text: Any) -> str:
    """Text XML 1.0 can carry: controls, surrogates and non-characters made visible."""
    return _XML_BAD.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", visible(text))


def junit_xml(result: ScanResult) -> str:
    """JUnit XML: one test case per file; failure = a --fail-on flag fired; error = not analysed."""
    failures = sum(1 for o in result.outcomes if o.fired)
    errors = result.count("error")
    suites = ET.Element("testsuites", name="verify scan", tests=str(len(result.outcomes)),
                        failures=str(failures), errors=str(errors), time=f"{result.seconds:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=_xml(f"verify scan {result.root}"),
                          tests=str(len(result.outcomes)), failures=str(failures), errors=str(errors),
                          skipped="0", time=f"{result.seconds:.3f}",
                          timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
                          hostname=_xml(socket.gethostname()))
    props = ET.SubElement(suite, "properties")
    ai, invalid = result.provenance_counts()
    for name, value in (("verify.version", __version__),
                        ("fail_on", ",".join(sorted(result.fail_on)) or "(none)"),
                        ("out", result.outdir),
                        ("files.ai_generated", str(ai)), ("files.c2pa_invalid", str(invalid))):
        ET.SubElement(props, "property", name=name, value=_xml(value))
    if result.retried:
        ET.SubElement(props, "property", name="retried_after_worker_died", value=_xml(", ".join(result.retried)))
    for o in result.outcomes:
        folder = o.rel.rsplit("/", 1)[0] if "/" in o.rel else "."
        case = ET.SubElement(suite, "testcase", classname=_xml(folder), name=_xml(o.rel),
                             file=_xml(o.rel), time=f"{o.seconds:.3f}")
        if o.status == "error":
            err = ET.SubElement(case, "error", message=_xml(o.error or "not analysed"), type="unreadable")
            err.text = _xml(f"{o.rel}: {o.error}")
        elif o.fired:
            hits = [f for f in o.flags if f[0] in o.fired]
            fail = ET.SubElement(case, "failure", message=_xml("fail-on fired: " + ", ".join(o.fired)),
                                 type=_xml(o.fired[0]))
            lines = [f"{sev} {code}: {msg}" for code, sev, msg in hits]
            if "reused_footage" in o.fired and not any(f[0] == "reused_footage" for f in hits):
                lines.append(f"critical reused_footage: {o.reused} reused span(s) in the report")
            fail.text = _xml("\n".join(lines))
        out = [f"sha256 {o.sha256}", f"report {o.json}" + (f" and {o.html}" if o.html else ""),
               f"{o.status}; flags: " + (", ".join(f"{c} ({s})" for c, s, _ in o.flags) or "none")]
        if o.status != "error":
            ET.SubElement(case, "system-out").text = _xml("\n".join(out))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def render_table(result: ScanResult, stream: IO[str] | None = None) -> None:
    """The summary table (rich) and a totals line."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .render.verdict import clock

    console = Console(file=stream or sys.stdout, highlight=False)
    table = Table(show_edge=False, pad_edge=False, header_style="dim", box=None)
    for col in ("file", "result", "length", "shots", "flags", "fail-on"):
        table.add_column(col, overflow="fold")
    for o in result.outcomes:
        if o.status == "error":
            table.add_row(escape(visible(o.rel)), "[bold red]error[/]", "", "", escape(visible(o.error or "")), "")
            continue
        flags = " ".join(f"[{_SEVERITY_STYLE.get(s, '')}]{escape(visible(c))}[/]" for c, s, _ in o.flags) or "-"
        length = "still" if o.kind == "image" else clock(o.duration_s)
        table.add_row(escape(visible(o.rel)), o.status, length, str(o.shots if o.shots is not None else ""), flags,
                      "[bold red]" + escape(",".join(o.fired)) + "[/]" if o.fired else "")
    console.print(table)
    n = len(result.outcomes)
    parts = [f"{result.count('analysed')} analysed", f"{result.count('unchanged')} unchanged (skipped)",
             f"{result.count('error')} unreadable"]
    ai, invalid = result.provenance_counts()
    if ai or invalid:
        parts.append(f"{ai} marked as AI-generated, {invalid} with broken Content Credentials")
    n_fired = sum(1 for o in result.outcomes if o.fired)
    line = f"{n} file{'s' if n != 1 else ''}: " + ", ".join(parts)
    if result.fail_on:
        line += f"; --fail-on fired on {n_fired}"
    if result.retried:
        line += f"; {len(result.retried)} run again after a worker died ({escape(', '.join(visible(r) for r in result.retried))})"
    console.print(f"{line}; reports in {escape(visible(result.outdir))} ({result.seconds:.1f} s)")


def progress_line(outcome: Outcome, done: int, total: int) -> str:
    width = len(str(total))
    what = outcome.status if outcome.status != "error" else f"error: {outcome.error}"
    return f"[{done:>{width}}/{total}] {visible(outcome.rel)}  {visible(what)}  ({outcome.seconds:.1f} s)"
