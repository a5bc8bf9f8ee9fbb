"""The analysis options that ``verify CLIP`` and ``verify scan`` share, defined once.

:func:`analysis_options` adds them to a typer command: the command declares one parameter
``args: AnalysisArgs`` and gets every shared option in it, so both commands take exactly the same
options with the same names, help and checks.  :meth:`AnalysisArgs.checked` turns the raw values
into what the pipeline needs, with one-line errors that name the option (exit 2).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .dates import DateError, parse_date
from .failon import FailOnError, parse_fail_on
from .limits import DEFAULT_MAX_PIXELS, Limits
from .provenance.source import DEFAULT_MAX_DOWNLOAD_MB, FetchOptions

EXIT_INPUT = 2


class OptionError(Exception):
    """A bad option value; the message names the option and is shown as one line, exit 2."""


# name -> (annotation, default).  The order is the order in --help.
_SHARED: dict[str, tuple[Any, Any]] = {
    "claimed_date": (Annotated[Optional[str], typer.Option(
        "--claimed-date", metavar="DATE",
        help="The date the footage is claimed to be from: YYYY-MM-DD (or YYYYMMDD).")], None),
    "keyframes": (Annotated[Optional[Path], typer.Option(
        "--keyframes", metavar="DIR", help="Write each shot's keyframe as a full-size JPEG into this folder.")],
        None),
    "excerpts": (Annotated[Optional[Path], typer.Option(
        "--excerpts", metavar="DIR", help="Cut each street segment and reused span into a small MP4 in this "
                                          "folder.")], None),
    "html": (Annotated[Optional[Path], typer.Option(
        "--html", metavar="PATH", help="Write a self-contained HTML report: a file for one clip, a folder "
                                       "(one page per clip) for several clips or a scan.")], None),
    "index": (Annotated[Optional[str], typer.Option(
        "--index", metavar="DB", help="Known-footage index to search: a file or a postgresql:// URL (default: "
                                      "$VERIFY_INDEX, else the one in the user data folder, when it exists).")],
        None),
    "no_index": (Annotated[bool, typer.Option(
        "--no-index", help="Do not search any index, not even the default one.")], False),
    "known": (Annotated[Optional[Path], typer.Option(
        "--known", metavar="PATH", help="Folder (or file) of known videos/images to search for reused footage, "
                                        "fingerprinted on the fly.")], None),
    "fail_on": (Annotated[Optional[str], typer.Option(
        "--fail-on", metavar="CODE[,CODE...]", help="Exit 1 when a flag with one of these codes fires, or a flag "
                                                    "of one of these severities (info, warning, critical) or "
                                                    "worse.")], None),
    "quiet": (Annotated[bool, typer.Option("--quiet", "-q", help="No summary and no progress.")], False),
    "max_duration": (Annotated[Optional[float], typer.Option(
        "--max-duration", metavar="SECONDS", min=0.001, help="Analyse only the first SECONDS of each clip.")],
        None),
    "max_frames": (Annotated[Optional[int], typer.Option(
        "--max-frames", metavar="N", min=1, help="Analyse only the first N frames of each clip.")], None),
    "max_pixels": (Annotated[int, typer.Option(
        "--max-pixels", metavar="N", min=1, help="Refuse frames or stills with more pixels than this.")],
        DEFAULT_MAX_PIXELS),
    "timeout": (Annotated[Optional[float], typer.Option(
        "--timeout", metavar="SECONDS", min=0.001, help="Stop decoding a clip after SECONDS of wall time (what "
                                                        "was decoded is reported).")], None),
    "absolute_paths": (Annotated[bool, typer.Option(
        "--absolute-paths", help="Record absolute paths of inputs and outputs in reports (by default they are "
                                 "kept relative).")], False),
    "scene_model": (Annotated[Optional[Path], typer.Option(
        "--scene-model", metavar="PATH", help="ONNX scene model (e.g. Places365 or CLIP) with a PATH.json "
                                              "sidecar, instead of the bundled one.")], None),
    "no_scenes": (Annotated[bool, typer.Option("--no-scenes", help="Skip the street / indoor / outdoor "
                                                                   "timeline.")], False),
    "c2pa_trust": (Annotated[Optional[Path], typer.Option(
        "--c2pa-trust", metavar="PEM", help="Trust anchors (PEM certificates) for Content Credentials: a manifest "
                                            "signed under one is 'trusted' (without: 'valid' = intact, signer "
                                            "not verified).")], None),
    "offline": (Annotated[bool, typer.Option(
        "--offline", help="Never use the network: refuse URL arguments.")], False),
    "max_download_mb": (Annotated[float, typer.Option(
        "--max-download-mb", metavar="MB", min=0.001, help="Refuse to download a clip (URL argument) larger "
                                                           "than this.")], DEFAULT_MAX_DOWNLOAD_MB),
}


@dataclass(frozen=True)
class AnalysisArgs:
    """The shared options as typed on the command line (see ``_SHARED`` for their help)."""

    claimed_date: str | None = None
    keyframes: Path | None = None
    excerpts: Path | None = None
    html: Path | None = None
    index: str | None = None
    no_index: bool = False
    known: Path | None = None
    fail_on: str | None = None
    quiet: bool = False
    max_duration: float | None = None
    max_frames: int | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    timeout: float | None = None
    absolute_paths: bool = False
    scene_model: Path | None = None
    no_scenes: bool = False
    c2pa_trust: Path | None = None
    offline: bool = False
    max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB

    def checked(self) -> Checked:
        """The values the analysis needs; :class:`OptionError` names the first bad option."""
        claimed = None
        if self.claimed_date is not None:
            try:
                claimed = parse_date(self.claimed_date)
            except DateError as exc:
                raise OptionError(f"--claimed-date {exc}") from None
        try:
            wanted = parse_fail_on(self.fail_on)
        except FailOnError as exc:
            raise OptionError(f"--fail-on: {exc}") from None
        for name, folder in (("--keyframes", self.keyframes), ("--excerpts", self.excerpts)):
            if folder is not None and folder.exists() and not folder.is_dir():
                raise OptionError(f"{name} {folder}: is a file, not a folder")
        if self.html is not None and str(self.html) == "-":
            raise OptionError("--html -: an HTML report cannot go to stdout; give a file (or a folder)")
        if self.index is not None and self.no_index:
            raise OptionError("--index and --no-index contradict each other")
        trust = None
        if self.c2pa_trust is not None:
            from .errors import InputError
            from .provenance.c2pa import load_trust_anchors

            try:
                trust = load_trust_anchors(self.c2pa_trust)
            except InputError as exc:
                raise OptionError(f"--c2pa-trust {exc.path}: {exc.problem}") from None
        return Checked(claimed_date=claimed, fail_on=wanted, index=resolve_index(self.index, self.no_index),
                       limits=Limits(max_pixels=self.max_pixels, max_duration_s=self.max_duration,
                                     max_frames=self.max_frames, timeout_s=self.timeout),
                       c2pa_trust=trust,
                       fetching=FetchOptions(offline=self.offline, max_download_mb=self.max_download_mb))


@dataclass(frozen=True)
class Checked:
    claimed_date: dt.date | None
    fail_on: frozenset[str]
    index: IndexChoice
    limits: Limits
    c2pa_trust: str | None = None  # the PEM text of --c2pa-trust, checked
    fetching: FetchOptions = FetchOptions()  # how URL arguments are fetched (--offline, --max-download-mb)


@dataclass(frozen=True)
class IndexChoice:
    """Which index a run searches: *location* (None: none) and whether it is the default one."""

    location: str | None
    default: bool = False


def resolve_index(given: str | None, no_index: bool) -> IndexChoice:
    """``--index`` as given; else ``$VERIFY_INDEX`` or the user data folder's index, when it exists."""
    if no_index:
        return IndexChoice(None)
    if given is not None:
        return IndexChoice(given)
    from .matching.location import default_index_location, default_index_path, is_url

    location = default_index_location()
    if is_url(location):  # $VERIFY_INDEX names a team's PostgreSQL index
        return IndexChoice(location, default=True)
    path = default_index_path()
    if path.exists():
        return IndexChoice(str(path), default=True)
    return IndexChoice(None)


def analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a typer *command* that takes ``args: AnalysisArgs`` every shared option, defined once."""
    sig = inspect.signature(command, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "args"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
              for name, (annotation, default) in _SHARED.items()]
    names = {f.name for f in fields(AnalysisArgs)}
    assert names == set(_SHARED), "AnalysisArgs and _SHARED must list the same options"

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        args = AnalysisArgs(**{n: kwargs.pop(n) for n in _SHARED})
        return command(args=args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=[*own, *shared])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *shared]}
    del wrapper.__wrapped__  # typer must see the new signature, not the command's own
    return wrapper


def _plain_arguments(command: Any) -> None:
    """Show arguments in help as their metavar (``CLIP...``), without typer's ``{…}``/``<list[Path]>``."""
    for param in command.params:
        if isinstance(param, TyperArgument):
            name = param.metavar or param.name.upper()
            if param.nargs != 1 and not name.endswith("..."):
                name += "..."
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
            param._usage_display_name = lambda name=name: name  # type: ignore[method-assign]
            param._rich_display_name = lambda name=name: name  # type: ignore[method-assign]


class PlainCommand(TyperCommand):
    """A command whose help shows plain placeholders (see :func:`_plain_arguments`)."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        _plain_arguments(self)


class PlainGroup(TyperGroup):
    """A group whose commands all get :class:`PlainCommand`'s plain placeholders."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        for cmd in self.commands.values():
            _plain_arguments(cmd)

    def add_command(self, cmd: Any, name: str | None = None) -> None:
        _plain_arguments(cmd)
        super().add_command(cmd, name)


def fail(message: str) -> typer.Exit:
    """Print ``verify: error: <message>`` (one line) and return the exit-2 to raise."""
    print(f"verify: error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_INPUT)


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)
