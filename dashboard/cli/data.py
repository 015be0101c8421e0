"""`board-dashboard import`, `export`, `check`, `indicators`, `template` and `pack`: the board's figures in and out."""

from __future__ import annotations

from pathlib import Path

import click

from dashboard.cli.common import CommandRefused, command, progress_bar, rejected, say, with_settings
from dashboard.settings import Settings


@command("export", short_help="write every observation to a CSV file")
@click.option("--out", required=True, help="the CSV file to write")
@with_settings
def export(settings: Settings, out: str) -> None:
    """Write every observation, one per row, in the import format."""
    from dashboard.services import dataset as services
    from data_access.exporter import export_csv

    services.bootstrap(settings)
    n = export_csv(out)
    say(f"wrote {n} rows to {out}")


@command("import", short_help="import a CSV or XLSX file (all or nothing)")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="check the file and report, without writing")
@click.option("--quiet", is_flag=True, help="no progress bar")
@with_settings
def import_(settings: Settings, file: str, dry_run: bool, quiet: bool) -> None:
    """Import observations from CSV (UTF-8) or XLSX in the export format. The whole file is applied or nothing
    is; every error is reported with its row and column. Re-importing the same file changes nothing; changed
    values are updated and the old value kept in the history.

    FILE is the CSV or XLSX file."""
    from dashboard.services import dataset as services
    from dashboard.services import imports
    from dashboard.services.users import local_operator
    from data_access.importer import ImportRejected

    services.bootstrap(settings)
    path = Path(file)
    total = path.stat().st_size if path.is_file() and path.suffix.lower() == ".csv" else None
    try:
        with progress_bar(f"checking {path.name}", total=total, quiet=quiet, unit="bytes") as bar:
            r = imports.import_dataset(path, dry_run=dry_run, actor=local_operator().name, progress=bar.advance)
    except ImportRejected as e:
        raise rejected(e, f"{path.name} was not imported", "Fix these rows and import the file again") from None
    verb = "would be" if dry_run else "were"
    say(
        f"{r.rows} rows read: {r.added} added, {r.updated} updated, {r.unchanged} unchanged"
        + (f" ({verb} applied: dry run, nothing written)" if dry_run else "")
    )


@command("check", short_help="run the data-quality checks")
@with_settings
def check(settings: Settings) -> None:
    """Check percentages against their numerators and denominators, parts against totals, and sources against each
    other; store and list the flags."""
    from dashboard.services import dataset as services
    from data_access.queries import quality_flags

    services.bootstrap(settings)
    n = services.run_quality_checks()
    say(f"{n} data-quality flags")
    for f in quality_flags().itertuples():
        say(f"  {f.indicator} | {f.area} | {f.period} | {f.check}: {f.message}")


@command("indicators", short_help="list the indicators the board watches")
@with_settings
def indicators(settings: Settings) -> None:
    """List every indicator in the registry: code, domain, unit, title."""
    from dashboard.reference.registry import registry

    for i in registry().indicators.values():
        say(f"{i.code:45} {i.domain:17} {i.unit:13} {i.title}")


@command("template", short_help="write the partner template workbook (XLSX)")
@click.option("--out", required=True, help="the .xlsx file to write")
@click.option("--force", is_flag=True, help="replace the file if it exists")
@with_settings
def template(settings: Settings, out: str, force: bool) -> None:
    """Write a workbook partner agencies can fill in: a README sheet, then a sheet per domain with every
    indicator's code, unit, title and definition, drop-down lists and checks on the cells. A filled-in template
    imports as it is (board-dashboard import FILE.xlsx)."""
    from dashboard.reference.registry import registry
    from dashboard.reports.template import TemplateError, write_template

    try:
        path = write_template(out, overwrite=force)
    except TemplateError as e:
        raise CommandRefused(str(e)) from None
    reg = registry()
    sheets = sum(1 for d in reg.domains.values() if reg.in_domain(d.code))
    say(
        f"wrote {path}: a README and {sheets} domain sheets with {len(reg.indicators)} indicators; fill it in "
        f"and import it with: board-dashboard import {path.name}"
    )


@command("pack", short_help="make the board pack (PDF)")
@click.option("--out", required=True, help="the PDF file to write")
@click.option("--board", help="board code (default: the first board)")
@click.option("--area", help="area code (default: the board total, or its only authority)")
@click.option("--period", help="financial year such as 2015-16 (default: the latest figures)")
@click.option(
    "--no-suppress", is_flag=True, help="print small counts as they are (not for papers that leave the council)"
)
@click.option("--quiet", is_flag=True, help="no progress line")
@with_settings
def pack(
    settings: Settings,
    out: str,
    board: str | None,
    area: str | None,
    period: str | None,
    no_suppress: bool,
    quiet: bool,
) -> None:
    """Make the board pack for a board's meeting: cover, contents, scorecard, exceptions with commentary, a page
    per domain with its key charts, and the open challenges. Landscape A4. Counts of 1 to 5 print as 'c' (the
    official statistics convention) unless --no-suppress."""
    from dashboard.reference.view import registry_reference, view_from_query
    from dashboard.reports import pack as board_pack
    from dashboard.services import dataset as services

    app = services.bootstrap(settings)
    ref = registry_reference()
    if board and board not in ref.boards:
        raise CommandRefused(f"unknown board '{board}'; choose one of {', '.join(ref.boards)}")
    board = board or next(iter(ref.boards))
    if area and area not in ref.board_areas(board):
        raise CommandRefused(f"'{area}' is not an area of {board}; choose one of {', '.join(ref.board_areas(board))}")
    view = view_from_query({"board": board, "area": area or "", "period": period or "latest"})
    with app.app_context(), progress_bar("making the board pack", total=1, quiet=quiet) as bar:
        pdf = board_pack.build_pack(
            view, suppress=not no_suppress, progress=bar.show, browser_path=settings.browser_path
        )
    Path(out).write_bytes(pdf)
    say(f"wrote {out} ({len(pdf) / 1024:.0f} KB): {board}, {view.area}, {view.period}")


COMMANDS = (export, import_, check, indicators, template, pack)
