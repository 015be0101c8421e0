"""`board-dashboard import-official` and `areas`: the DfE's official statistics in, and the areas they name."""

from __future__ import annotations

import csv
import sys

import click

from dashboard.cli.common import CommandRefused, command, progress_bar, say, with_settings
from dashboard.settings import Settings

AREA_COLUMNS = ["code", "name", "kind", "ons_code", "dfe_number", "region", "first_year", "last_year"]


@command("import-official", short_help="import the DfE's official statistics files (all or nothing)")
@click.argument("paths", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="read and check the files and report, without writing")
@click.option("--quiet", is_flag=True, help="no progress bar")
@with_settings
def import_official(settings: Settings, paths: tuple[str, ...], dry_run: bool, quiet: bool) -> None:
    """Import the DfE's open-data CSV files exactly as published (Explore Education Statistics), with the areas
    and statistical neighbours they name. Every file is read and checked before anything is written; a file the
    mapping does not know stops the import. Re-importing the same files changes nothing.

    PATHS are files (.csv or .csv.gz) or folders of them."""
    from dashboard.official.errors import OfficialReadError
    from dashboard.services import dataset as services
    from dashboard.services import imports
    from dashboard.services.official import import_official as run_import
    from dashboard.services.users import local_operator
    from data_access.official_store import OfficialLoadRefused

    services.bootstrap(settings)
    try:
        with progress_bar("reading the official files", total=None, quiet=quiet, unit="rows") as bar:

            def progress(done: int, total: int) -> None:
                bar.describe(f"storing the figures: {done:,} of {total:,}")

            r = run_import(list(paths), dry_run=dry_run, actor=local_operator().name, progress=progress)
    except OfficialReadError as e:
        raise CommandRefused(
            f"{e.problems[0]}; nothing was changed."
            if e.problems
            else "the official files cannot be read; nothing was changed.",
            1,
            [f"  {p}" for p in e.problems[1:]],
        ) from None
    except FileNotFoundError as e:
        raise CommandRefused(f"{e.filename or e}: no such file or folder; nothing was changed.") from None
    except OfficialLoadRefused as e:
        raise CommandRefused(
            "the official statistics were not loaded; nothing was changed.",
            1,
            [f"  {p}" for p in e.problems] + ([f"  ... and {e.more} more problems"] if e.more else []),
        ) from None
    for f in r.files:
        say(f"{f.file}: {f.rows} rows ({f.publication})")
    verb = "would be" if dry_run else "were"
    say(
        f"{r.rows} figures read from {len(r.files)} files: {r.added} added, {r.updated} updated, "
        f"{r.unchanged} unchanged; {r.areas} areas ({r.areas_added} new), {r.neighbours} statistical "
        f"neighbours" + (f" ({verb} applied: dry run, nothing written)" if dry_run else "")
    )
    say(f"{r.seconds:.1f} s ({r.rows_per_second:,.0f} rows/s)")
    if not dry_run:
        say(f"data-quality checks: {imports.run_quality_checks()} flags")


@command("areas", short_help="list every area: codes, ONS codes, DfE numbers, regions, years")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on standard output")
@with_settings
def areas(settings: Settings, as_csv: bool) -> None:
    """List every area the dashboard knows: England, the regions and every local authority, with its code, name,
    kind, ONS code, DfE number, region and the first and last year it has figures. Any of the code, the ONS code
    and the DfE number names an area wherever a command or an import file asks for one."""
    from dashboard.services import dataset as services
    from data_access.queries import official_areas

    services.bootstrap(settings)
    df = official_areas()[AREA_COLUMNS]
    rows = [
        ["" if v is None or v != v else str(int(v)) if isinstance(v, float) else str(v) for v in r]
        for r in df.itertuples(index=False)
    ]
    if as_csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(AREA_COLUMNS)
        w.writerows(rows)
        return
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(AREA_COLUMNS)]
    say("  ".join(h.ljust(w) for h, w in zip(AREA_COLUMNS, widths, strict=True)).rstrip())
    for r in rows:
        say("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


COMMANDS = [import_official, areas]
