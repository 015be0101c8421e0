"""The `board-dashboard` command line (also `python -m dashboard`)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from dashboard.settings import Settings


def _setup(settings: Settings) -> None:
    from dashboard.services import dataset as services

    services.bootstrap(settings)


def cmd_serve(args, settings: Settings) -> int:
    from dashboard.auth import serving_refusal
    from dashboard.web.app import create_app

    refusal = serving_refusal(settings, args.host)  # AUTH_MODE=none serves this computer only
    if refusal:
        print(f"board-dashboard: {refusal}", file=sys.stderr)
        return 2
    app = create_app(settings)
    serve_app(app, host=args.host, port=args.port)
    return 0


def serve_app(app, host: str = "127.0.0.1", port: int = 8050) -> None:
    print(f"Serving the safeguarding board dashboard on http://{_display_host(host)}:{port}/ (Ctrl+C to stop)",
          flush=True)
    app.run(host=host, port=port, debug=False)


def _display_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def cmd_init_db(args, settings: Settings) -> int:
    from dashboard.services import dataset as services

    _setup(settings)
    services.init_database(load_bundled=not args.empty, echo=print)
    print("database ready" + (" (empty)" if args.empty else " with the bundled dataset"))
    return 0


def report_rejected(e, what: str, advice: str) -> int:
    """Tell the user that nothing was changed, every error found, and what to do next; the exit status."""
    print(f"board-dashboard: {what}; nothing was changed.", file=sys.stderr)
    for err in e.errors:
        print(f"  {err}", file=sys.stderr)
    if e.more:
        print(f"  ... and {e.more} more errors", file=sys.stderr)
    print(f"{advice} (use --dry-run to check without writing).", file=sys.stderr)
    return 1


def cmd_export(args, settings: Settings) -> int:
    from data_access.exporter import export_csv

    _setup(settings)
    n = export_csv(args.out)
    print(f"wrote {n} rows to {args.out}")
    return 0


def cmd_import(args, settings: Settings) -> int:
    from tqdm import tqdm

    from dashboard.cli.users import cli_actor
    from dashboard.services import dataset as services
    from data_access.importer import ImportRejected

    _setup(settings)
    path = Path(args.file)
    total = path.stat().st_size if path.is_file() and path.suffix.lower() == ".csv" else None
    with tqdm(total=total, unit="B", unit_scale=True, desc=f"checking {path.name}", disable=args.quiet,
              file=sys.stderr, leave=False) as bar:
        try:
            r = services.import_dataset(path, dry_run=args.dry_run, actor=cli_actor(), progress=bar.update)
        except ImportRejected as e:
            bar.close()
            return report_rejected(e, f"{path.name} was not imported",
                                   "Fix these rows and import the file again")
    verb = "would be" if args.dry_run else "were"
    print(f"{r.rows} rows read: {r.added} added, {r.updated} updated, {r.unchanged} unchanged"
          + (f" ({verb} applied: dry run, nothing written)" if args.dry_run else ""))
    return 0


def cmd_check(args, settings: Settings) -> int:
    from dashboard.services import dataset as services
    from data_access.queries import quality_flags

    _setup(settings)
    n = services.run_quality_checks()
    print(f"{n} data-quality flags")
    for f in quality_flags().itertuples():
        print(f"  {f.indicator} | {f.area} | {f.period} | {f.check}: {f.message}")
    return 0


def cmd_indicators(args, settings: Settings) -> int:
    from dashboard.reference.registry import registry

    for i in registry().indicators.values():
        print(f"{i.code:45} {i.domain:17} {i.unit:13} {i.title}")
    return 0


def cmd_pack(args, settings: Settings) -> int:
    from tqdm import tqdm

    from dashboard.reference.view import registry_reference, view_from_query
    from dashboard.reports import pack
    from dashboard.services import dataset as services

    app = services.bootstrap(settings)
    ref = registry_reference()
    if args.board and args.board not in ref.boards:
        print(f"board-dashboard: unknown board '{args.board}'; choose one of {', '.join(ref.boards)}", file=sys.stderr)
        return 1
    board = args.board or next(iter(ref.boards))
    if args.area and args.area not in ref.board_areas(board):
        print(f"board-dashboard: '{args.area}' is not an area of {board}; choose one of "
              f"{', '.join(ref.board_areas(board))}", file=sys.stderr)
        return 1
    view = view_from_query({"board": board, "area": args.area or "", "period": args.period or "latest"})
    with app.app_context(), tqdm(total=1, desc="making the board pack", file=sys.stderr, disable=args.quiet,
                                 bar_format="{desc}: {elapsed}") as bar:
        pdf = pack.build_pack(view, suppress=not args.no_suppress)
        bar.update(1)
    Path(args.out).write_bytes(pdf)
    print(f"wrote {args.out} ({len(pdf) / 1024:.0f} KB): {board}, {view.area}, {view.period}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="board-dashboard", description=(
        "Performance dashboard for a local safeguarding children board. Configuration comes from the "
        "environment: DATABASE_URL (default: SQLite in ./instance), REDIS_URL, INSTANCE_PATH."))
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="serve the dashboard", description=(
        "Serve the dashboard with the built-in server (for production use gunicorn app:server). "
        "On the embedded default the database is created and loaded with the bundled dataset on first start."))
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("init-db", help="create or upgrade the database and load the bundled dataset",
                       description="Create the schema, or upgrade an existing database in place (nothing is "
                                   "dropped); sync the indicator registry; load the bundled dataset.")
    s.add_argument("--empty", action="store_true", help="do not load the bundled dataset")
    s.set_defaults(func=cmd_init_db)

    s = sub.add_parser("export", help="write every observation to a CSV file",
                       description="Write every observation, one per row, in the import format.")
    s.add_argument("--out", required=True, help="the CSV file to write")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import", help="import a CSV or XLSX file (all or nothing)", description=(
        "Import observations from CSV (UTF-8) or XLSX in the export format. The whole file is applied or "
        "nothing is; every error is reported with its row and column. Re-importing the same file changes "
        "nothing; changed values are updated and the old value kept in the history."))
    s.add_argument("file", help="the CSV or XLSX file")
    s.add_argument("--dry-run", action="store_true", help="check the file and report, without writing")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("check", help="run the data-quality checks",
                       description="Check percentages against their numerators and denominators, parts "
                                   "against totals, and sources against each other; store and list the flags.")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("indicators", help="list the indicators the board watches",
                       description="List every indicator in the registry: code, domain, unit, title.")
    s.set_defaults(func=cmd_indicators)

    s = sub.add_parser("pack", help="make the board pack (PDF)", description=(
        "Make the board pack for a board's meeting: cover, contents, scorecard, exceptions with commentary, a "
        "page per domain with its key charts, and the open challenges. Landscape A4. Counts of 1 to 5 print as "
        "'c' (the official statistics convention) unless --no-suppress."))
    s.add_argument("--out", required=True, help="the PDF file to write")
    s.add_argument("--board", help="board code (default: the first board)")
    s.add_argument("--area", help="area code (default: the board total, or its only authority)")
    s.add_argument("--period", help="financial year such as 2015-16 (default: the latest figures)")
    s.add_argument("--no-suppress", action="store_true", help="print small counts as they are (not for "
                                                                   "papers that leave the council)")
    s.add_argument("--quiet", action="store_true", help="no progress line")
    s.set_defaults(func=cmd_pack)

    from dashboard.cli import returns as cli_returns
    from dashboard.cli import users as cli_users
    from dashboard.reports import template

    for module in (template, cli_users, cli_returns):
        module.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import DBAPIError

    from data_access.db import DatabaseUnavailable

    args = build_parser().parse_args(argv)
    try:
        return args.func(args, Settings.from_env())
    except DatabaseUnavailable as e:
        print(f"board-dashboard: {e}", file=sys.stderr)
        return 2
    except DBAPIError:
        if not _schema_missing():
            raise
        print("board-dashboard: the database has no tables yet; run `board-dashboard init-db` first "
              "(it creates them and loads the bundled dataset)", file=sys.stderr)
        return 2


def _schema_missing() -> bool:
    """True when the configured database has never been set up (no migration applied)."""
    from data_access import migrate

    try:
        return migrate.current_revision() is None
    except Exception:  # noqa: BLE001 - asked only to explain another failure; that one is re-raised
        return False


if __name__ == "__main__":
    sys.exit(main())
