"""Command line: ``verify CLIP [CLIP ...]`` plus subcommands (``verify schema``, ``verify scan``, later ``index``).

The group routes any first word that is not a subcommand to ``check``, so ``verify clip.mp4`` and
``verify check clip.mp4`` are the same.  Exit codes: 0 analysed, 1 a ``--fail-on`` flag fired,
2 usage error or an input that could not be analysed (one line naming the file, no traceback).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import InputError
from .limits import DEFAULT_MAX_PIXELS, Limits
from .index_cli import index_app

EXIT_OK, EXIT_FAIL_ON, EXIT_INPUT = 0, 1, 2


class _DefaultToCheck(TyperGroup):
    """A group whose first argument, when it is not a subcommand, is a clip for ``check``."""

    default_command = "check"

    def parse_args(self, ctx, args: list[str]) -> list[str]:  # ctx: typer's click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultToCheck, add_completion=False, no_args_is_help=True,
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


def _parse_date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@app.command("check")
def check(
    clips: Annotated[list[Path], typer.Argument(help="Video or image files to analyse.", show_default=False)],
    json_out: Annotated[Optional[str], typer.Option("--json", metavar="PATH",
                                                    help="Write the JSON report here ('-' = stdout). "
                                                         "One clip: an object; several: a list.")] = None,
    keyframes: Annotated[Optional[Path], typer.Option("--keyframes", metavar="DIR",
                                                      help="Write each shot's keyframe as a full-size JPEG here.")] = None,
    claimed_date: Annotated[Optional[str], typer.Option("--claimed-date", metavar="YYYY-MM-DD",
                                                        help="The date the footage is claimed to be from.")] = None,
    fail_on: Annotated[Optional[str], typer.Option("--fail-on", metavar="CODE[,CODE...]",
                                                   help="Exit 1 when any of these flag codes fires, or a flag of "
                                                        "one of these severities (info, warning, critical) "
                                                        "or worse.")] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", metavar="PATH",
                                                     help="Write a self-contained HTML report here. Several clips: "
                                                          "PATH is a folder, one page per clip.")] = None,
    excerpts: Annotated[Optional[Path], typer.Option("--excerpts", metavar="DIR",
                                                     help="Cut each street segment and reused span into a small "
                                                          "MP4 here.")] = None,
    index: Annotated[Optional[Path], typer.Option("--index", metavar="DB",
                                                  help="Known-footage index (made with `verify index add`) "
                                                       "to search for reused footage.")] = None,
    known: Annotated[Optional[Path], typer.Option("--known", metavar="PATH",
                                                  help="Folder (or file) of known videos/images to search for "
                                                       "reused footage, fingerprinted on the fly.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary or progress.")] = False,
    max_duration: Annotated[Optional[float], typer.Option("--max-duration", metavar="SECONDS", min=0.001,
                                                          help="Analyse only the first SECONDS of each clip.")] = None,
    max_frames: Annotated[Optional[int], typer.Option("--max-frames", metavar="N", min=1,
                                                      help="Analyse only the first N frames of each clip.")] = None,
    max_pixels: Annotated[int, typer.Option("--max-pixels", metavar="N", min=1,
                                            help="Refuse frames or stills with more pixels than this.")]
    = DEFAULT_MAX_PIXELS,
    timeout: Annotated[Optional[float], typer.Option("--timeout", metavar="SECONDS", min=0.001,
                                                     help="Stop decoding a clip after SECONDS of wall time "
                                                          "(what was decoded is reported).")] = None,
    absolute_paths: Annotated[bool, typer.Option("--absolute-paths",
                                                 help="Record absolute paths of inputs and outputs in reports "
                                                      "(by default they are kept relative).")] = False,
    scene_model: Annotated[Optional[Path], typer.Option("--scene-model", metavar="PATH",
                                                        help="ONNX scene model (e.g. Places365 or CLIP) with a "
                                                             "PATH.json sidecar, instead of the bundled one.")] = None,
    no_scenes: Annotated[bool, typer.Option("--no-scenes",
                                            help="Skip the street / indoor / outdoor timeline.")] = False,
    every_frame: Annotated[bool, typer.Option("--every-frame",
                                              help="Decode every frame (H.264/HEVC: slower; by default the "
                                                   "non-reference frames are interpolated).")] = False,
) -> None:
    """Analyse clips (the default command: `verify CLIP` = `verify check CLIP`)."""
    from .pipeline import Options, analyse
    from .render.json_out import write_json
    from .render.terminal import ProgressReporter, render_summary

    from .failon import fired_codes, parse_fail_on

    claimed = _parse_date(claimed_date)
    limits = Limits(max_pixels=max_pixels, max_duration_s=max_duration, max_frames=max_frames, timeout_s=timeout)
    wanted = parse_fail_on(fail_on)
    json_to_stdout = json_out == "-"
    stream = sys.stderr if json_to_stdout else sys.stdout
    reports = []
    code = EXIT_OK
    references = _open_references(index, known)
    if scene_model is not None and not no_scenes:
        _check_scene_model(scene_model)
    for clip in clips:
        progress = None if quiet else ProgressReporter(str(clip))
        try:
            analysis = analyse(clip, Options(claimed_date=claimed, keyframes_dir=keyframes,
                                             progress=progress.update if progress else None,
                                             references=references, absolute_paths=absolute_paths,
                                             limits=limits, scenes=not no_scenes, scene_model=scene_model,
                                             every_frame=every_frame))
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
        report = analysis.report
        reports.append(report)
        if excerpts is not None and not _write_excerpts(clip, report, excerpts):
            code = max(code, EXIT_INPUT)
        if not quiet:
            render_summary(report, stream)
        if html_out is not None and not _write_html(analysis, clip, html_out, several=len(clips) > 1,
                                                    stream=None if quiet else stream):
            code = max(code, EXIT_INPUT)
        if fired_codes(report, wanted):
            code = max(code, EXIT_FAIL_ON)
    if json_out is not None and reports:
        payload = reports[0].to_dict() if len(clips) == 1 else [r.to_dict() for r in reports]
        try:
            write_json(payload, json_out)
        except OSError as exc:
            _error(f"{json_out}: cannot write the JSON report ({exc.strerror or exc})")
            code = max(code, EXIT_INPUT)
    raise typer.Exit(code)


def _check_scene_model(path: Path) -> None:
    """Load --scene-model once before any clip (exit 2 with one line when it is unusable)."""
    from .scenes.model import SceneModelError, load_scene_model

    try:
        load_scene_model(path)
    except SceneModelError as exc:
        _error(f"{path}: not a usable scene model ({exc})")
        raise typer.Exit(EXIT_INPUT) from None


def _open_references(index: Optional[Path], known: Optional[Path]) -> list:
    """The reference sets of --index / --known, opened once for every clip (exit 2 when unusable)."""
    if index is None and known is None:
        return []
    from .matching.footage import open_references

    try:
        return open_references(index, known)
    except InputError as exc:
        _error(f"{exc.path}: {exc.problem}")
        raise typer.Exit(EXIT_INPUT) from None


def _write_excerpts(clip: Path, report, outdir: Path) -> bool:
    from .excerpts import ExcerptError, write_excerpts

    try:
        write_excerpts(clip, report, outdir)
    except (ExcerptError, OSError) as exc:
        _error(f"{clip}: excerpts: {exc}")
        return False
    return True


def _write_html(analysis, clip: Path, target: Path, several: bool, stream) -> bool:
    from .render.html import render_html, write_html
    from .render.pictures import reuse_pictures
    from .scan import output_stem

    path = target / f"{output_stem(str(clip))}.html" if several else target
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


@app.command("scan")
def scan(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder whose videos and images (at any depth) "
                                                               "are analysed.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", metavar="OUTDIR", help="Folder for one JSON report per file "
                                                                     "(and the cache).", show_default=False)],
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, metavar="N",
                                                help="Files analysed at once, each in its own process.",
                                                show_default="number of CPUs")] = None,
    index: Annotated[Optional[Path], typer.Option("--index", metavar="DB",
                                                  help="Reference index to search for reused footage.")] = None,
    html: Annotated[bool, typer.Option("--html", help="Also write an HTML report per file.")] = False,
    fail_on: Annotated[Optional[str], typer.Option("--fail-on", metavar="CODE[,CODE...]",
                                                   help="Exit 1 when any file has one of these flag codes, or a "
                                                        "flag of one of these severities or worse.")] = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", metavar="FILE",
                                                  help="Write JUnit XML: one test case per file.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines and no summary table.")] = False,
) -> None:
    """Analyse every video and image below DIR in parallel; unchanged files are skipped next time."""
    from .failon import parse_fail_on
    from .atomic import write_text
    from .scan import ScanOptions, junit_xml, progress_line, render_table, run_scan

    if not folder.is_dir():
        _error(f"{folder}: {'no such folder' if not folder.exists() else 'is not a folder'}")
        raise typer.Exit(EXIT_INPUT)
    if index is not None and not index.exists():
        _error(f"{index}: no such reference index")
        raise typer.Exit(EXIT_INPUT)
    opts = ScanOptions(jobs=jobs or max(1, os.cpu_count() or 1), html=html, index=index,
                       fail_on=parse_fail_on(fail_on))

    def progress(outcome, done: int, total: int) -> None:
        print(progress_line(outcome, done, total), file=sys.stderr, flush=True)

    try:
        result = run_scan(folder, out, opts, progress=None if quiet else progress)
    except KeyboardInterrupt:
        _error("scan interrupted (finished files are cached)")
        raise typer.Exit(130) from None
    except OSError as exc:
        _error(f"{out}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INPUT) from None
    if not result.outcomes:
        print(f"verify: no video or image files below {folder}", file=sys.stderr)
    elif not quiet:
        render_table(result)
    if junit is not None:
        try:
            write_text(junit, junit_xml(result))
        except OSError as exc:
            _error(f"{junit}: cannot write the JUnit report ({exc.strerror or exc})")
            raise typer.Exit(EXIT_INPUT) from None
    raise typer.Exit(result.exit_code)


def _error(message: str) -> None:
    print(f"verify: error: {message}", file=sys.stderr)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
