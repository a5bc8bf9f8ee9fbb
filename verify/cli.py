"""Command line: ``verify CLIP [CLIP ...]`` plus subcommands (``verify schema``, ``verify scan``, later ``index``).

The group routes any first word that is not a subcommand to ``check``, so ``verify clip.mp4`` and
``verify check clip.mp4`` are the same.  Exit codes: 0 analysed, 1 a ``--fail-on`` flag fired,
2 usage error or an input that could not be analysed (one line naming the file, no traceback).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .cli_options import (AnalysisArgs, Checked, IndexChoice, OptionError, PlainCommand, PlainGroup,
                          analysis_options, default_jobs, fail)
from .errors import InputError
from .index_cli import index_app

# One worker thread each for OpenBLAS (numpy's and OpenCV's) and OpenCV's own pool.  They read these
# when they load, which is after this point (nothing above imports numpy or OpenCV; a test checks).
# The analysis calls them on small pictures (64-384 px) from threads of its own, beside FFmpeg's
# decoder threads; their extra workers mostly spun waiting for work and took CPU from the decoder:
# 0.25-0.35 CPU-s of a 720p VP9 run's 4.5.  The results are the same (the pools split the same
# arithmetic by rows; the reports of every fixture and speed clip are identical).  A value the user
# set is kept.
for _threads in ("OPENBLAS_NUM_THREADS", "OPENCV_FOR_THREADS_NUM"):
    os.environ.setdefault(_threads, "1")

EXIT_OK, EXIT_FAIL_ON, EXIT_INPUT = 0, 1, 2


class _DefaultToCheck(PlainGroup):
    """A group whose first argument, when it is not a subcommand, is a clip for ``check``."""

    default_command = "check"

    def parse_args(self, ctx, args: list[str]) -> list[str]:  # ctx: typer's click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultToCheck, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Check video evidence offline: shots and keyframes, metadata and what it means, flags.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"verify {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """verify CLIP [CLIP ...] analyses clips; the subcommands below do other jobs."""


@app.command("check", cls=PlainCommand)
@analysis_options
def check(
    clips: Annotated[list[str], typer.Argument(metavar="CLIP...", help="Video or image files to analyse, or "
                                                                       "http(s) links to clips (fetched once, "
                                                                       "then cached).", show_default=False)],
    args: AnalysisArgs,
    json_out: Annotated[Optional[str], typer.Option("--json", metavar="PATH",
                                                    help="Write the JSON report here ('-' = stdout). "
                                                         "One clip: an object; several: a list.")] = None,
) -> None:
    """Analyse clips (the default command: `verify CLIP` = `verify check CLIP`)."""
    from .links import name_by_url, resolve_input
    from .names import NameBook
    from .pipeline import Options, analyse
    from .provenance.source import is_url
    from .render.json_out import write_json

    from .failon import fired_codes

    if not args.quiet:  # the terminal renderer (and rich) only when it prints: 0.045 CPU-s of start-up
        from .render.terminal import ProgressReporter, render_summary

    checked = _checked(args)
    json_to_stdout = json_out == "-"
    stream = sys.stderr if json_to_stdout else sys.stdout
    reports = []
    code = EXIT_OK
    references = _open_references(checked.index, args.known)
    if args.scene_model is not None and not args.no_scenes:
        _check_scene_model(args.scene_model)
    names = NameBook()
    # The ~60,000 objects of the start-up (typer, pydantic, numpy, ...) live as long as the process:
    # put them out of the garbage collector's reach, so that its collections during the pass do not
    # walk them again (gc CPU of a 720p VP9 run 44 -> 27 ms, measured).
    gc.freeze()
    for arg in clips:
        clip = Path(arg)
        if not is_url(arg) and clip.is_dir():
            _error(f"{clip}: is a folder; to analyse every video and image in it run "
                   f"`verify scan {clip} --out REPORTS`")
            code = max(code, EXIT_INPUT)
            continue
        progress = None if args.quiet else ProgressReporter(arg)
        try:
            clip, source = resolve_input(arg, checked.fetching)
            analysis = analyse(clip, Options(claimed_date=checked.claimed_date, keyframes_dir=args.keyframes,
                                             progress=progress.update if progress else None,
                                             references=references, absolute_paths=args.absolute_paths,
                                             limits=checked.limits, scenes=not args.no_scenes,
                                             scene_model=args.scene_model,
                                             names=names, c2pa_trust=checked.c2pa_trust, source=source))
        except InputError as exc:
            _error(f"{exc.path}: {exc.problem}")
            code = max(code, EXIT_INPUT)
            continue
        except KeyboardInterrupt:
            _error(f"{clip}: interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - one line per file, never a traceback
            if os.environ.get("VERIFY_DEBUG"):
                raise
            _error(f"{clip}: could not be analysed ({type(exc).__name__}: {str(exc)[:120]})")
            code = max(code, EXIT_INPUT)
            continue
        finally:
            if progress:
                progress.close()
        name_by_url(analysis, arg)
        report = analysis.report
        reports.append(report)
        if args.excerpts is not None and not _write_excerpts(clip, report, args.excerpts, names):
            code = max(code, EXIT_INPUT)
        if not args.quiet:
            render_summary(report, stream)
        if args.html is not None and not _write_html(analysis, clip, args.html, several=len(clips) > 1,
                                                     names=names, stream=None if args.quiet else stream):
            code = max(code, EXIT_INPUT)
        hits = fired_codes(report, checked.fail_on)
        if hits:
            print(f"verify: --fail-on {args.fail_on} fired on {report.file.path}: {', '.join(hits)}",
                  file=sys.stderr)
            code = max(code, EXIT_FAIL_ON)
    if json_out is not None and reports:
        payload = reports[0].to_dict() if len(clips) == 1 else [r.to_dict() for r in reports]
        try:
            write_json(payload, json_out)
        except OSError as exc:
            _error(f"{json_out}: cannot write the JSON report ({exc.strerror or exc})")
            code = max(code, EXIT_INPUT)
    raise typer.Exit(code)


def _checked(args: AnalysisArgs) -> Checked:
    try:
        return args.checked()
    except OptionError as exc:
        raise fail(str(exc)) from None


def _check_scene_model(path: Path) -> None:
    """Load --scene-model once before any clip (exit 2 with one line when it is unusable)."""
    from .scenes.model import SceneModelError, load_scene_model

    try:
        load_scene_model(path)
    except SceneModelError as exc:
        _error(f"{path}: not a usable scene model ({exc})")
        raise typer.Exit(EXIT_INPUT) from None


def _open_references(index: IndexChoice, known: Optional[Path]) -> list:
    """The reference sets of --index (or the default index) / --known, opened once for every clip
    (exit 2 when unusable)."""
    if index.location is None and known is None:
        return []
    from .matching.footage import open_references

    try:
        return open_references(index.location, known,
                               default_index=index.default)
    except InputError as exc:
        _error(f"{exc.path}: {exc.problem}")
        raise typer.Exit(EXIT_INPUT) from None


def _write_excerpts(clip: Path, report, outdir: Path, names) -> bool:
    from .excerpts import ExcerptError, write_excerpts

    try:
        write_excerpts(clip, report, outdir, names)
    except (ExcerptError, OSError) as exc:
        _error(f"{clip}: excerpts: {exc}")
        return False
    return True


def _write_html(analysis, clip: Path, target: Path, several: bool, names, stream) -> bool:
    from .names import clip_stem
    from .render.html import html_owners, render_html, write_html
    from .render.pictures import reuse_pictures

    path = target
    if several:
        path = target / f"{names.stem(target, clip_stem(clip), analysis.report.file.sha256, html_owners)}.html"
    elif target.is_dir():
        _error(f"--html {target}: is a folder; with one clip --html names the page's file")
        return False
    try:
        write_html(render_html(analysis.report, analysis.thumbnails, reuse_pictures(analysis.report, clip)), path)
    except OSError as exc:
        _error(f"{path}: cannot write the HTML report ({exc.strerror or exc})")
        return False
    if stream is not None:
        print(f"HTML report: {path}", file=stream)
    return True


app.add_typer(index_app, name="index")


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the report (the contract `--json` follows)."""
    from .schema import schema_text

    sys.stdout.write(schema_text())


@app.command("scan", cls=PlainCommand)
@analysis_options
def scan(
    args: AnalysisArgs,
    out: Annotated[Path, typer.Option("--out", metavar="OUTDIR", help="Folder for one JSON report per file "
                                                                     "(and the cache).", show_default=False)],
    folder: Annotated[Optional[Path], typer.Argument(metavar="DIR", help="Folder whose videos and images (at any "
                                                                         "depth) are analysed.",
                                                     show_default=False)] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, metavar="N",
                                                help="Files analysed at once, each in its own process.",
                                                show_default="number of CPUs")] = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", metavar="FILE",
                                                  help="Write JUnit XML: one test case per file.")] = None,
    urls: Annotated[Optional[Path], typer.Option("--urls", metavar="FILE",
                                                 help="Also analyse the clip behind each http(s) link in FILE (one "
                                                      "a line; # comments), fetched once into the URL cache.")] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", metavar="ADDRESS",
                                                help="Run the files on this Dask scheduler's workers "
                                                     "(tcp://host:8786; DIR and OUTDIR on storage they share).")]
    = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, metavar="N",
                                                   help="Run the files on a local Dask cluster of N processes.")]
    = None,
) -> None:
    """Analyse every video and image below DIR in parallel; unchanged files are skipped next time."""
    from .atomic import write_text
    from .scan import ScanOptions, junit_xml, render_table, run_scan
    from .scan_progress import ScanProgress

    checked = _checked(args)
    links = _read_urls(urls) if urls is not None else []
    if folder is None and urls is None:
        _error("give a folder to scan (DIR), --urls FILE, or both")
        raise typer.Exit(EXIT_INPUT)
    if folder is not None and not folder.is_dir():
        _error(f"{folder}: {'no such folder' if not folder.exists() else 'is not a folder'}")
        raise typer.Exit(EXIT_INPUT)
    from .matching.store import is_url

    location = checked.index.location
    if location is not None and not is_url(location) and not Path(location).exists():
        _error(f"{location}: no such reference index")
        raise typer.Exit(EXIT_INPUT)
    if sum(x is not None for x in (jobs, dask, workers)) > 1:
        _error("--jobs (local processes), --workers (a local Dask cluster) and --dask (a Dask scheduler) "
               "exclude each other")
        raise typer.Exit(EXIT_INPUT)
    if args.known is not None and not args.known.exists():
        _error(f"{args.known}: no such file or folder of known footage")
        raise typer.Exit(EXIT_INPUT)
    if args.scene_model is not None and not args.no_scenes:
        _check_scene_model(args.scene_model)
    if out.exists() and not out.is_dir():
        _error(f"--out {out}: is a file, not a folder")
        raise typer.Exit(EXIT_INPUT)
    opts = ScanOptions.from_args(args, checked, jobs=jobs or default_jobs(), dask=dask, workers=workers)

    from .scan_dask import ClusterError

    try:
        if args.quiet:
            result = run_scan(folder, out, opts, urls=links)
        else:  # a bar on a terminal, a line a clip elsewhere (scan_progress)
            with ScanProgress(sys.stderr) as progress:
                result = run_scan(folder, out, opts, progress=progress, urls=links, on_total=progress.total)
    except ClusterError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        _error("scan interrupted (finished files are cached)")
        raise typer.Exit(130) from None
    except OSError as exc:
        _error(f"{out}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INPUT) from None
    if not result.outcomes:
        print(f"verify: no video or image files below {folder}" if folder is not None
              else f"verify: no URL in {urls}", file=sys.stderr)
    elif not args.quiet:
        render_table(result)
    fired_on = [o for o in result.outcomes if o.fired]
    if fired_on:
        print(f"verify: --fail-on {args.fail_on} fired on {len(fired_on)} file(s): "
              + "; ".join(f"{o.rel}: {', '.join(o.fired)}" for o in fired_on[:10])
              + (" …" if len(fired_on) > 10 else ""), file=sys.stderr)
    if junit is not None:
        try:
            write_text(junit, junit_xml(result))
        except OSError as exc:
            _error(f"{junit}: cannot write the JUnit report ({exc.strerror or exc})")
            raise typer.Exit(EXIT_INPUT) from None
    raise typer.Exit(result.exit_code)


def _read_urls(path: Path) -> list[str]:
    """The links of ``--urls FILE``: one a line, blank lines and ``#`` comments skipped (exit 2 on anything else)."""
    from .provenance.source import is_url

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        _error(f"--urls {path}: cannot be read ({getattr(exc, 'strerror', None) or exc})")
        raise typer.Exit(EXIT_INPUT) from None
    links = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not is_url(text):
            _error(f"--urls {path}:{number}: not an http(s) link: {text[:80]}")
            raise typer.Exit(EXIT_INPUT)
        links.append(text)
    return links


def _error(message: str) -> None:
    print(f"verify: error: {message}", file=sys.stderr)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
    finally:
        # The process ends here.  Spare it the interpreter's last full garbage collection over every
        # object the imports made (~0.05-0.09 s of a run, measured): reports are written and closed
        # by now, and temporary files are unlinked ones.
        gc.freeze()
