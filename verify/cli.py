"""Command line: ``verify CLIP [CLIP ...]`` plus subcommands (``verify schema``, later ``index``, ``scan``).

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
                                                   help="Exit 1 when any of these flag codes (or severities: "
                                                        "info, warning, critical) fires.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary or progress.")] = False,
) -> None:
    """Analyse clips (the default command: `verify CLIP` = `verify check CLIP`)."""
    from .pipeline import Options, analyse
    from .render.json_out import write_json
    from .render.terminal import ProgressReporter, render_summary

    claimed = _parse_date(claimed_date)
    wanted = {c.strip().lower() for c in (fail_on or "").split(",") if c.strip()}
    json_to_stdout = json_out == "-"
    stream = sys.stderr if json_to_stdout else sys.stdout
    reports = []
    code = EXIT_OK
    for clip in clips:
        progress = None if quiet else ProgressReporter(str(clip))
        try:
            analysis = analyse(clip, Options(claimed_date=claimed, keyframes_dir=keyframes,
                                             progress=progress.update if progress else None))
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
        if not quiet:
            render_summary(report, stream)
        if wanted and _fired(report, wanted):
            code = max(code, EXIT_FAIL_ON)
    if json_out is not None and reports:
        payload = reports[0].to_dict() if len(clips) == 1 else [r.to_dict() for r in reports]
        try:
            write_json(payload, json_out)
        except OSError as exc:
            _error(f"{json_out}: cannot write the JSON report ({exc.strerror or exc})")
            code = max(code, EXIT_INPUT)
    raise typer.Exit(code)


def _fired(report, wanted: set[str]) -> bool:
    return any(f.code in wanted or f.severity in wanted for f in report.flags)


def _error(message: str) -> None:
    print(f"verify: error: {message}", file=sys.stderr)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
