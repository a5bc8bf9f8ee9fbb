"""``verify index ...``: the known-footage index (add, list, remove, stats).

The index is an SQLite file or a PostgreSQL database (``store.py`` / ``store_pg.py``): ``--index DB``
(a path or a ``postgresql://user@host/db`` URL), else ``$VERIFY_INDEX``, else ``index.sqlite`` in
the user data directory.  ``index add`` fingerprints every file first and writes them all in one
transaction, so an interrupted add leaves the index exactly as it was.  ``index copy SRC DST`` moves
an index between engines; ``index migrate URL`` brings a PostgreSQL index's schema up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli_options import PlainGroup

EXIT_OK, EXIT_INPUT = 0, 2
#: what an outdated reference misses (``prints.RECIPE_VERSION``)
OUTDATED_WHY = "photos without the pan-and-zoom crops: a photo shown with a slow zoom is missed"

index_app = typer.Typer(cls=PlainGroup, no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                        context_settings={"help_option_names": ["-h", "--help"]},
                        help="The index of known footage that `verify CLIP --index DB` searches.")

IndexOpt = Annotated[Optional[str], typer.Option("--index", metavar="DB",
                                                 help="Index file or postgresql:// URL (default: $VERIFY_INDEX, "
                                                      "else index.sqlite in the user data directory).")]
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


def _open(index: Optional[str], create: bool):
    from .matching.store import IndexError_, default_index_location, open_store
    from .matching.store_pg import public_url

    location = index or default_index_location()
    try:
        return open_store(location, create=create)
    except IndexError_ as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{public_url(location)}: cannot open the index ({exc.strerror or exc})") from None


@index_app.command("add")
def add(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH...",
                                                          help="Videos, images, or folders of them.",
                                                          show_default=False)] = None,
    index: IndexOpt = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="T",
                                                 help="Title of the footage (default: the file name).")] = None,
    date: Annotated[Optional[str], typer.Option("--date", metavar="YYYY-MM-DD",
                                                help="When the footage was first published or archived.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", metavar="TEXT",
                                                  help="Where it comes from (archive, URL, agency).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Fingerprint again, from their files, the references "
                                          "indexed by an older verify (`index stats` counts them as outdated).")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Fingerprint footage and add it to the index (all files in one transaction)."""
    from .dates import DateError, parse_date
    from .matching.footage import fingerprint_files, media_files

    if refresh:
        _refresh(index, quiet)
        if not paths:
            raise typer.Exit(EXIT_OK)
    if not paths:
        raise _fail("no PATH to add (or --refresh)")

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


def _refresh(index: Optional[str], quiet: bool) -> None:
    """``index add --refresh``: every outdated reference fingerprinted again from its file (found at the
    stored path with the same SHA-256), keeping its id, title, date and source; one transaction per
    reference, so an interrupted refresh leaves each one either as it was or refreshed.  A file that
    is gone or changed is named and left as it is (exit 2)."""
    import os

    from .errors import InputError
    from .fingerprint.prints import reference_prints
    from .fingerprint.sampling import sample_file
    from .hashing import file_sha256
    from .matching.store import NewRef

    failed = False
    done = 0
    with _open(index, create=False) as store:
        todo = [r for r in store.refs() if r.outdated]
        for r in todo:
            p = Path(r.path)
            try:
                if file_sha256(p) != r.sha256:
                    raise InputError(r.path, "changed since it was indexed (add the file again)")
                prints = reference_prints(sample_file(p))
                item = NewRef(path=r.path, sha256=r.sha256, size_bytes=os.path.getsize(p), prints=prints)
            except InputError as exc:
                print(f"verify: not refreshed #{r.id} {r.path}: {exc.problem}", file=sys.stderr)
                failed = True
                continue
            except OSError as exc:
                print(f"verify: not refreshed #{r.id} {r.path}: cannot be read ({exc.strerror or exc})", file=sys.stderr)
                failed = True
                continue
            except KeyboardInterrupt:
                raise _fail(f"interrupted: #{r.id} and those after it were not refreshed") from None
            if store.replace(r.id, item):
                done += 1
                if not quiet:
                    print(f"#{r.id}  {r.path}  refreshed ({len(prints.prints)} fingerprints)")
            else:
                print(f"verify: not refreshed #{r.id} {r.path}: removed or replaced meanwhile", file=sys.stderr)
        if not quiet:
            print(f"refreshed {done} of {len(todo)} outdated reference(s) in {store.path}")
    if failed:
        raise typer.Exit(EXIT_INPUT)


def _say_outdated(count: int) -> None:
    """The line ``index list`` and ``index stats`` print when references are outdated."""
    if count:
        print(f"{count} reference(s) were fingerprinted by an older verify ({OUTDATED_WHY}); "
              "`verify index add --refresh` fingerprints them again from their files")


@index_app.command("list")
def list_(index: IndexOpt = None, as_json: JsonOpt = None, quiet: QuietOpt = False) -> None:
    """List the references in the index."""
    with _open(index, create=False) as store:
        refs = store.refs()
    if as_json is not None:
        _write_json(as_json, [{**vars(r), "outdated": r.outdated} for r in refs])
    if quiet or as_json == "-":
        return
    for r in refs:
        span = f"{r.duration_s or 0:.1f} s" if r.kind == "video" else "image"
        extra = " · ".join(x for x in (r.date, r.source) if x)
        print(f"#{r.id}  {r.title or ''}  [{span}]  {r.path}" + (f"  ({extra})" if extra else "")
              + ("  [outdated: `verify index add --refresh`]" if r.outdated else ""))
    _say_outdated(sum(r.outdated for r in refs))


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
    _say_outdated(int(figures.get("outdated") or 0))


@index_app.command("copy")
def copy(src: Annotated[str, typer.Argument(metavar="SRC", help="Index to copy from (file or postgresql:// URL).",
                                            show_default=False)],
         dst: Annotated[str, typer.Argument(metavar="DST", help="Index to copy into (made when missing).",
                                            show_default=False)],
         quiet: QuietOpt = False) -> None:
    """Copy every reference of one index into another, e.g. SQLite to PostgreSQL (one transaction).

    The stored fingerprints are copied as they are (nothing is fingerprinted again); references DST
    already holds (same SHA-256) are skipped; the copies get DST's next ids."""
    from .matching.store import copy_index

    with _open(src, create=False) as source, _open(dst, create=True) as target:
        skipped: list[int] = []
        try:
            ids = copy_index(source, target, on_duplicate=lambda path, ref_id: skipped.append(ref_id))
        except KeyboardInterrupt:
            raise _fail("interrupted: nothing was copied") from None
        if not quiet:
            print(f"copied {len(ids)} reference(s) from {source.path} to {target.path}"
                  + (f"; {len(skipped)} already there" if skipped else ""))


@index_app.command("migrate")
def migrate(index: Annotated[Optional[str], typer.Argument(metavar="[DB]",
                                                           help="The index (default: $VERIFY_INDEX).")] = None,
            quiet: QuietOpt = False) -> None:
    """Bring a PostgreSQL index's schema to this verify's version (Alembic; safe to run twice)."""
    from .matching.store import SCHEMA, IndexError_, default_index_location, is_url
    from .matching.store_pg import migrate as pg_migrate
    from .matching.store_pg import public_url

    location = index or default_index_location()
    if not is_url(location):
        with _open(location, create=False) as store:
            if not quiet:
                print(f"{store.path}: an SQLite index file has no migrations (schema {SCHEMA}, checked when opened)")
        return
    try:
        before, after = pg_migrate(location)
    except IndexError_ as exc:
        raise _fail(str(exc)) from None
    where = public_url(location)
    if not quiet:
        print(f"{where}: schema already at revision {after}" if before == after
              else f"{where}: schema revision {before or '(none)'} -> {after}")
