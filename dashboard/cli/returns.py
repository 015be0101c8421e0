"""`board-dashboard ingest-903`, `ingest-annex-a` and `synthetic-returns`: figures computed from statutory returns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dashboard.cli.common import Choice, CommandRefused, Year, command, progress_bar, rejected, say, with_settings
from dashboard.settings import Settings

SHOWN_REPAIRS = 20


def _prepare(settings: Settings) -> None:
    """Point at the database; refuse one that is not initialised; bring the indicator registry up to date."""
    from dashboard.reference.registry import registry
    from dashboard.services import dataset as services
    from data_access import db, migrate
    from data_access.reference import sync_reference

    services.bootstrap(settings)
    db.check_reachable()
    if not migrate.is_up_to_date():
        raise CommandRefused(
            f"the database at {db.mask_url(settings.database_url)} is not initialised or is out "
            "of date: run `board-dashboard init-db` first"
        )
    with db.session_scope() as s:  # breakdowns added to the registry since init-db
        sync_reference(s, **services.reference_from_registry(registry()))


def _run_ingest(
    settings: Settings, what: str, quiet: bool, work: Callable[[bytes, Callable[[str], None]], Any]
) -> None:
    from dashboard.returns.ingest import pseudonym_key
    from data_access.importer import ImportRejected

    _prepare(settings)
    key = pseudonym_key(settings.instance_path, settings.returns_pseudonym_key)
    try:
        with progress_bar(f"reading {what}", quiet=quiet) as bar:

            def progress(step: str) -> None:
                bar.describe(step)
                bar.advance()

            report = work(key, progress)
    except ImportRejected as e:
        raise rejected(e, f"{what} was not ingested", "Fix these and run the command again") from None
    _print_report(report)


def _print_report(report: Any) -> None:
    r = report.result
    verb = "would be" if report.dry_run else "were"
    say(
        f"{report.return_kind} for {report.area}, {report.period}: {report.figures} figures computed; "
        f"{r.added} added, {r.updated} updated, {r.unchanged} unchanged"
        + (f" ({verb} applied: dry run, nothing written)" if report.dry_run else "")
    )
    if report.repairs:
        say(f"{len(report.repairs)} episode repairs (kept with the ingest):")
        for rep in report.repairs[:SHOWN_REPAIRS]:
            say(f"  {rep}")
        if len(report.repairs) > SHOWN_REPAIRS:
            say(f"  ... and {len(report.repairs) - SHOWN_REPAIRS} more")
    for note in report.notes:
        say(f"note: {note}")
    if report.skipped:
        what = "sheets" if report.return_kind == "annex_a" else "files that are not 903 tables"
        say(f"{what} not read: {', '.join(report.skipped)}")
    if not report.dry_run:
        say(f"{report.child_rows} anonymised child-level rows kept for the drill-down (contributors and analysts only)")


def _actor() -> str:
    """How the audit log names the person running the command."""
    from dashboard.services.users import local_operator

    return local_operator().name


@command("ingest-903", short_help="compute looked-after and care leaver figures from SSDA903 files")
@click.argument("folder")
@click.option("--la", required=True, help="the council's area code, e.g. havering")
@click.option("--year", required=True, type=Year(), help="the year the return ends (31 March), e.g. 2024")
@click.option(
    "--wording",
    type=Choice(("placement", "carer")),
    default="placement",
    help="long-term stability: the same placement (older wording, default) or the same carer (current "
    "wording) for 2 years",
)
@click.option("--dry-run", is_flag=True, help="check and compute, report, write nothing")
@click.option("--quiet", is_flag=True, help="no progress bar")
@with_settings
def ingest_903(settings: Settings, folder: str, la: str, year: int, wording: str, dry_run: bool, quiet: bool) -> None:
    """Read the SSDA903 CSV tables in FOLDER (Header, Episodes and OC3 for the year; earlier years' Episodes for
    the history), check every row, stitch the years' episodes together (each repair is listed), and compute for
    the year ending 31 March YYYY: children looked after at 31 March; 3+ placements in the year; long-term
    placement stability; care leavers in touch, in education, employment or training, and in suitable
    accommodation. The figures are imported all or nothing, with the file and rule version as their source;
    anonymised child-level rows are kept for the drill-down. Files belong to the year in their name or folder
    (2024 or 2023-24 = year to 31 March 2024); files without a year belong to --year."""
    from dashboard.services.imports import ingest_903 as ingest

    _run_ingest(
        settings,
        f"the 903 files in {Path(folder).name or folder}",
        quiet,
        lambda key, progress: ingest(
            folder, la=la, year=year, key=key, wording=wording, dry_run=dry_run, actor=_actor(), progress=progress
        ),
    )


@command("ingest-annex-a", short_help="compute front-door and child protection figures from Annex A")
@click.argument("file")
@click.option("--la", required=True, help="the council's area code, e.g. havering")
@click.option("--dry-run", is_flag=True, help="check and compute, report, write nothing")
@click.option("--quiet", is_flag=True, help="no progress bar")
@with_settings
def ingest_annex_a(settings: Settings, file: str, la: str, dry_run: bool, quiet: bool) -> None:
    """Read an Ofsted Annex A workbook (lists 1 contacts, 3 referrals, 4 assessments, 5 s47 and ICPCs, 7 CP plans,
    8 looked after, 9 care leavers; headers matched tolerantly), check every row, and compute for the months the
    contacts cover: contacts; referrals; contacts that became referrals; re-referrals within 12 months; referrals
    ending in NFA; assessments within 45 working days; initial conferences within 15 working days (English bank
    holidays excluded); CP plans started by initial category; second or subsequent plans; plans lasting 2 years or
    more. By month, source, team and age band. All or nothing.

    FILE is the Annex A workbook (.xlsx)."""
    from dashboard.services.imports import ingest_annex_a as ingest

    _run_ingest(
        settings,
        Path(file).name,
        quiet,
        lambda key, progress: ingest(file, la=la, key=key, dry_run=dry_run, actor=_actor(), progress=progress),
    )


@command("synthetic-returns", short_help="write SYNTHETIC 903 and Annex A files for tests and demos")
@click.argument("out_folder", metavar="OUT_FOLDER")
@click.option("--seed", required=True, type=int, help="the random seed (the same seed, the same data)")
@click.option("--year", type=Year(), default=2024, help="the last year the files cover (default 2024)")
@click.option("--la", default="havering", help="the council code used in the file names")
@click.option("--quiet", is_flag=True, help="no progress bar")
@with_settings
def synthetic_returns(settings: Settings, out_folder: str, seed: int, year: int, la: str, quiet: bool) -> None:
    """Write seeded synthetic SSDA903 CSV tables (four years to the year ending 31 March YYYY) and an Annex A
    workbook, of the volumes of a borough of Havering's size. Every file is labelled SYNTHETIC (its name, a marker
    column, a README); none is about a real child. The same seed gives the same data.

    OUT_FOLDER is the folder to write to (created if missing)."""
    from dashboard.returns import synthetic

    out = Path(out_folder)
    try:
        with progress_bar("writing synthetic returns", total=2, quiet=quiet) as bar:
            files = synthetic.generate_903(out, seed=seed, year=year, la=la)
            bar.advance()
            files.append(synthetic.generate_annex_a(out, seed=seed, year=year, la=la))
            bar.advance()
    except ValueError as e:
        raise CommandRefused(str(e)) from None
    say(f"wrote {len(files)} SYNTHETIC files (not real children) to {out}:")
    for f in files:
        say(f"  {f.name}")


COMMANDS = (ingest_903, ingest_annex_a, synthetic_returns)
