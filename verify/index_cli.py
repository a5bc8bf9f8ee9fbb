"""``verify index ...``: the known-footage index (add, list, remove, stats).

The index is an SQLite file: ``--index DB``, else ``$VERIFY_INDEX``, else ``index.sqlite`` in the
user data directory.  ``index add`` fingerprints every file first and writes them all in one
transaction, so an interrupted add leaves the index exactly as it was.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli_options import PlainGroup

EXIT_OK, EXIT_INPUT = 0, 2

index_app = typer.Typer(cls=PlainGroup, no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                        context_settings={"help_option_names": ["-h", "--help"]},
                        help="The index of known footage that `verify CLIP --index DB` searches.")

IndexOpt = Annotated[Optional[Path], typer.Option("--index", metavar="DB",
                                                  help="Index file (default: $VERIFY_INDEX, else index.sqlite "
                                                       "in the user data directory).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors (and --json).")]
JsonOpt = Annotated[Optional[str], typer.Option("--json", metavar="PATH",
                                                help="Write the figures as JSON here ('-' = stdout).")]


def _write_json(target: str, payload: object) -> None:
    """``--json PATH``: ``-`` prints, else the file is written atomically (as ``verify --json`` does)."""
    from .render.json_out import write_json

    try:
        write_json(payload, target)
    except OSError as exc:
        raise _fail(f"{target}: cannot write the JSON ({exc.strerror or exc})") from None


def _fail(message: str) -> typer.Exit:
    print(f"verify: error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_INPUT)


def _open(index: Optional[Path], create: bool):
    from .matching.store import IndexError_, Store, default_index_path

    path = index or default_index_path()
    try:
        return Store(path, create=create)
    except IndexError_ as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{path}: cannot open the index ({exc.strerror or exc})") from None


@index_app.command("add")
def add(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Videos, images, or folders of them.",
                                                show_default=False)],
    index: IndexOpt = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="T",
                                                 help="Title of the footage (default: the file name).")] = None,
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD",
                                                help="When the footage was first published or archived.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", metavar="TEXT",
                                                  help="Where it comes from (archive, URL, agency).")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Fingerprint footage and add it to the index (all files in one transaction)."""
    from .dates import DateError, parse_date
    from .matching.footage import fingerprint_files, media_files

    if date is not None:
        try:
            date = parse_date(date).isoformat()
        except DateError as exc:
            raise _fail(f"--date {exc}") from None
    files: list[Path] = []
    for p in paths:
        if not p.exists():
            raise _fail(f"{p}: no such file or folder")
        files += media_files(p)
    if not files:
        raise _fail("no video or image files to add")
    skipped: list[str] = []
    with _open(index, create=True) as store:
        def skip(p: Path, why: str) -> None:
            skipped.append(f"{p}: {why}")
            print(f"verify: skipped {p}: {why}", file=sys.stderr)

        def added(ref: RefInfo) -> None:
            span = f"{ref.duration_s or 0:.1f} s" if ref.kind == "video" else "image"
            if not quiet:
                print(f"#{ref.id}  {ref.path}  ({span}, {ref.prints} fingerprints)")

        def duplicate(path: str, ref_id: int) -> None:
            skip(Path(path), f"already in the index as #{ref_id} (added by another process meanwhile)")

        try:
            ids = store.add_many(fingerprint_files(files, store, title, date, source, on_skip=skip),
                                 added, duplicate)
        except KeyboardInterrupt:
            raise _fail("interrupted: nothing was added") from None
        if not quiet:
            print(f"added {len(ids)} of {len(files)} file(s) to {store.path}")
    raise typer.Exit(EXIT_OK if ids or not skipped or all("already in the index" in s for s in skipped)
                     else EXIT_INPUT)


@index_app.command("list")
def list_(index: IndexOpt = None, as_json: JsonOpt = None, quiet: QuietOpt = False) -> None:
    """List the references in the index."""
    with _open(index, create=False) as store:
        refs = store.refs()
    if as_json is not None:
        _write_json(as_json, [dict(vars(r)) for r in refs])
    if quiet or as_json == "-":
        return
    for r in refs:
        span = f"{r.duration_s or 0:.1f} s" if r.kind == "video" else "image"
        extra = " · ".join(x for x in (r.date, r.source) if x)
        print(f"#{r.id}  {r.title or ''}  [{span}]  {r.path}" + (f"  ({extra})" if extra else ""))


@index_app.command("remove")
def remove(ref_id: Annotated[int, typer.Argument(metavar="ID", help="The reference's id (see `index list`).")],
           index: IndexOpt = None, quiet: QuietOpt = False) -> None:
    """Remove one reference from the index."""
    with _open(index, create=False) as store:
        if not store.remove(ref_id):
            raise _fail(f"no reference #{ref_id} in {store.path}")
    if not quiet:
        print(f"removed #{ref_id}")


@index_app.command("stats")
def stats(index: IndexOpt = None, as_json: JsonOpt = None, quiet: QuietOpt = False) -> None:
    """How much the index holds."""
    with _open(index, create=False) as store:
        figures = store.stats()
    if as_json is not None:
        _write_json(as_json, figures)
    if quiet or as_json == "-":
        return
    for key, value in figures.items():
        print(f"{key:13s} {value}")
