"""`board-dashboard ingest-903`, `ingest-annex-a` and `synthetic-returns` commands."""

from __future__ import annotations

import sys
from pathlib import Path

from dashboard.settings import Settings

SHOWN_REPAIRS = 20


def _prepare(settings: Settings) -> str | None:
    """Point at the database; refuse one that is not initialised; bring the indicator registry up to date."""
    from dashboard.reference.registry import registry
    from dashboard.services import dataset as services
    from data_access import db, migrate
    from data_access.reference import sync_reference

    services.bootstrap(settings)
    db.check_reachable()
    if not migrate.is_up_to_date():
        return (f"the database at {db.mask_url(settings.database_url)} is not initialised or is out of date: run "
                "`board-dashboard init-db` first")
    with db.session_scope() as s:  # breakdowns added to the registry since init-db
        sync_reference(s, **services.reference_from_registry(registry()))
    return None


def _run_ingest(args, settings: Settings, what: str, work) -> int:
    from tqdm import tqdm

    from dashboard.cli.main import report_rejected
    from data_access.importer import ImportRejected

    problem = _prepare(settings)
    if problem:
        print(f"board-dashboard: {problem}", file=sys.stderr)
        return 1
    from dashboard.returns.ingest import pseudonym_key

    key = pseudonym_key(settings.instance_path)
    with tqdm(desc=f"reading {what}", unit=" step", disable=args.quiet, file=sys.stderr, leave=False) as bar:
        def progress(step: str) -> None:
            bar.set_description(step[:60])
            bar.update(1)

        try:
            report = work(key, progress)
        except ImportRejected as e:
            bar.close()
            return report_rejected(e, f"{what} was not ingested", "Fix these and run the command again")
    _print_report(report)
    return 0


def _print_report(report) -> None:
    r = report.result
    verb = "would be" if report.dry_run else "were"
    print(f"{report.return_kind} for {report.area}, {report.period}: {report.figures} figures computed; "
          f"{r.added} added, {r.updated} updated, {r.unchanged} unchanged"
          + (f" ({verb} applied: dry run, nothing written)" if report.dry_run else ""))
    if report.repairs:
        print(f"{len(report.repairs)} episode repairs (kept with the ingest):")
        for rep in report.repairs[:SHOWN_REPAIRS]:
            print(f"  {rep}")
        if len(report.repairs) > SHOWN_REPAIRS:
            print(f"  ... and {len(report.repairs) - SHOWN_REPAIRS} more")
    for note in report.notes:
        print(f"note: {note}")
    if report.skipped:
        what = "sheets" if report.return_kind == "annex_a" else "files that are not 903 tables"
        print(f"{what} not read: {', '.join(report.skipped)}")
    if not report.dry_run:
        print(f"{report.child_rows} anonymised child-level rows kept for the drill-down (contributors and "
              "analysts only)")


def _actor() -> str:
    """How the audit log names the person running the command."""
    try:
        from dashboard.cli.users import cli_actor
    except ImportError:  # a tree without sign-in
        return "cli"
    return cli_actor()


def cmd_ingest_903(args, settings: Settings) -> int:
    from dashboard.returns.ingest import ingest_903

    return _run_ingest(args, settings, f"the 903 files in {Path(args.folder).name or args.folder}",
                       lambda key, progress: ingest_903(args.folder, la=args.la, year=args.year, key=key,
                                                        wording=args.wording, dry_run=args.dry_run, actor=_actor(),
                                                        progress=progress))


def cmd_ingest_annex_a(args, settings: Settings) -> int:
    from dashboard.returns.ingest import ingest_annex_a

    return _run_ingest(args, settings, Path(args.file).name,
                       lambda key, progress: ingest_annex_a(args.file, la=args.la, key=key, dry_run=args.dry_run,
                                                            actor=_actor(), progress=progress))


def cmd_synthetic_returns(args, settings: Settings) -> int:
    from tqdm import tqdm

    from dashboard.returns import synthetic

    out = Path(args.out_folder)
    try:
        with tqdm(total=2, desc="writing synthetic returns", disable=args.quiet, file=sys.stderr,
                  leave=False) as bar:
            files = synthetic.generate_903(out, seed=args.seed, year=args.year, la=args.la)
            bar.update(1)
            files.append(synthetic.generate_annex_a(out, seed=args.seed, year=args.year, la=args.la))
            bar.update(1)
    except ValueError as e:
        print(f"board-dashboard: {e}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} SYNTHETIC files (not real children) to {out}:")
    for f in files:
        print(f"  {f.name}")
    return 0


def _year(text: str) -> int:
    import argparse

    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"'{text}' is not a year; give the year the return ends, e.g. 2024")
    return int(text)


def add_commands(sub) -> None:
    s = sub.add_parser("ingest-903", help="compute looked-after and care leaver figures from SSDA903 files",
                       description=(
                           "Read the SSDA903 CSV tables in FOLDER (Header, Episodes and OC3 for the year; earlier "
                           "years' Episodes for the history), check every row, stitch the years' episodes "
                           "together (each repair is listed), and compute for the year ending 31 March YYYY: "
                           "children looked after at 31 March; 3+ placements in the year; long-term placement "
                           "stability; care leavers in touch, in education, employment or training, and in "
                           "suitable accommodation. The figures are imported all or nothing, with the file and rule "
                           "version as their source; anonymised child-level rows are kept for the drill-down. "
                           "Files belong to the year in their name or folder (2024 or 2023-24 = year to 31 March "
                           "2024); files without a year belong to --year."))
    s.add_argument("folder", help="the folder holding the 903 CSV files")
    s.add_argument("--la", required=True, help="the council's area code, e.g. havering")
    s.add_argument("--year", required=True, type=_year, help="the year the return ends (31 March), e.g. 2024")
    s.add_argument("--wording", choices=("placement", "carer"), default="placement",
                   help="long-term stability: the same placement (older wording, default) or the same carer "
                        "(current wording) for 2 years")
    s.add_argument("--dry-run", action="store_true", help="check and compute, report, write nothing")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_ingest_903)

    s = sub.add_parser("ingest-annex-a", help="compute front-door and child protection figures from Annex A",
                       description=(
                           "Read an Ofsted Annex A workbook (lists 1 contacts, 3 referrals, 4 assessments, 5 s47 "
                           "and ICPCs, 7 CP plans, 8 looked after, 9 care leavers; headers matched tolerantly), "
                           "check every row, and compute for the months the contacts cover: contacts; referrals; "
                           "contacts that became referrals; re-referrals within 12 months; referrals ending in NFA; "
                           "assessments within 45 working days; initial conferences within 15 working days (English "
                           "bank holidays excluded); CP plans started by initial category; second or subsequent "
                           "plans; plans lasting 2 years or more. By month, source, team and age band. All or "
                           "nothing."))
    s.add_argument("file", help="the Annex A workbook (.xlsx)")
    s.add_argument("--la", required=True, help="the council's area code, e.g. havering")
    s.add_argument("--dry-run", action="store_true", help="check and compute, report, write nothing")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_ingest_annex_a)

    s = sub.add_parser("synthetic-returns", help="write SYNTHETIC 903 and Annex A files for tests and demos",
                       description=(
                           "Write seeded synthetic SSDA903 CSV tables (four years to the year ending 31 March "
                           "YYYY) and an Annex A workbook, of the volumes of a borough of Havering's size. Every "
                           "file is labelled SYNTHETIC (its name, a marker column, a README); none is about a real "
                           "child. The same seed gives the same data."))
    s.add_argument("out_folder", help="the folder to write to (created if missing)")
    s.add_argument("--seed", required=True, type=int, help="the random seed (the same seed, the same data)")
    s.add_argument("--year", type=_year, default=2024, help="the last year the files cover (default 2024)")
    s.add_argument("--la", default="havering", help="the council code used in the file names")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_synthetic_returns)
