"""What the command line and the app do to the database: set it up, load the bundled dataset, import, check.

Each function is one user-level operation; the data work itself is in data_access. Importing a file and running
the data-quality checks are dashboard.services.imports' (`import_dataset`, `run_quality_checks`, importable from
here as before).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import Connection

from dashboard.reference.registry import DATASET_DIR, Registry, registry
from dashboard.services import board
from dashboard.services.imports import import_counts, import_dataset, record_audit, run_quality_checks
from dashboard.settings import Settings
from data_access import db, migrate
from data_access.cache import configure_cache
from data_access.importer import AlsoInTransaction, ImportResult, import_file
from data_access.reference import sync_reference

BUNDLED = DATASET_DIR / "observations"


def bootstrap(settings: Settings, flask_app: Flask | None = None, *, serving: bool = False) -> Flask:
    """Point this process at the configured database and cache. Returns the Flask app the cache is bound to.

    A server (`serving`) gives every statement DATABASE_STATEMENT_TIMEOUT, so a stalled database makes pages say
    the data is unavailable instead of hanging; the command line's imports, upgrades and checks over a national
    dataset legitimately run longer, so other processes have no statement limit."""
    statement_timeout = settings.database_statement_timeout if serving else 0
    db.configure(
        settings.database_url,
        connect_timeout=settings.database_connect_timeout,
        statement_timeout=statement_timeout or None,
        pool_timeout=settings.database_pool_timeout,
    )
    app = flask_app or Flask("board_dashboard")
    configure_cache(
        app,
        redis_url=settings.redis_url,
        cache_dir=settings.instance_path / "cache",
        key_prefix=settings.cache_key_prefix,
        timeout=settings.cache_timeout,
        redis_connect_timeout=settings.redis_connect_timeout,
        redis_socket_timeout=settings.redis_socket_timeout,
        retry_after=settings.cache_retry_after,
    )
    return app


def reference_from_registry(reg: Registry) -> dict[str, list[dict]]:
    """The registry as plain rows for data_access."""
    boards = [{"code": b.code, "name": b.name, "short_name": b.short_name} for b in reg.boards.values()]
    areas = [
        {"code": a.code, "name": a.name, "kind": a.kind, "board": a.board, "ons_code": a.ons_code}
        for a in reg.areas.values()
    ]
    indicators = [
        {
            "code": i.code,
            "domain": i.domain,
            "title": i.title,
            "unit": i.unit,
            "polarity": i.polarity,
            "definition": i.definition,
            "definition_source": i.definition_source,
            "breakdowns": ",".join(i.breakdowns),
            "headline": i.headline,
            "sort_order": i.order,
        }
        for i in reg.indicators.values()
    ]
    rules = [
        {
            "indicator": i.code,
            "kind": i.rule.kind,
            "target": i.rule.target,
            "tolerance": i.rule.tolerance,
            "range_low": i.rule.range_low,
            "range_high": i.rule.range_high,
            "comparator": i.rule.comparator,
            "source_document": i.rule.source_document,
            "source_line": i.rule.source_line,
            "source_quote": i.rule.source_quote,
            "default_reason": i.rule.default_reason,
            "applies_from": i.rule.applies_from,
        }
        for i in reg.indicators.values()
    ]
    return {"boards": boards, "areas": areas, "indicators": indicators, "rules": rules}


def init_database(
    *, load_bundled: bool = True, load_official: bool | None = None, echo: Callable[[str], None] = lambda _m: None
) -> None:
    """Create or upgrade the schema (never dropping data), sync the registry, and load the bundled dataset: the
    board documents' figures, then the bundled snapshot of the DfE's official statistics (`load_official`, by
    default whenever `load_bundled`), so that a fresh database has every authority and its comparators."""
    db.check_reachable()
    migrate.upgrade_to_head()
    with db.session_scope() as s:
        sync_reference(s, **reference_from_registry(registry()))
    echo(f"schema at revision {migrate.current_revision()}; {len(registry().indicators)} indicators")
    if load_bundled:
        for path in sorted(BUNDLED.glob("*.csv")):
            r = import_file(path, actor="init-db", also=_audit_bundled(path.name), source_kind="document")
            echo(f"{path.name}: {r.added} added, {r.updated} updated, {r.unchanged} unchanged")
        echo(f"{board.ACTIONS_FILE.name}: {board.load_bundled_actions()} actions added")
    if load_bundled if load_official is None else load_official:
        # Imported here: the official reader is only needed by a database that loads it.
        from dashboard.services.official import import_official, snapshot_paths

        r = import_official(snapshot_paths(), actor="init-db")
        echo(f"official statistics: {r.added} added, {r.updated} updated, {r.unchanged} unchanged")
    if load_bundled:
        n = run_quality_checks()
        echo(f"data-quality checks: {n} flags")


def _audit_bundled(name: str) -> AlsoInTransaction:
    """The audit entry of a bundled file that changed the dataset, written in the import's transaction (a file
    already loaded, as on every later init-db, is not logged again)."""

    def audit(conn: Connection, result: ImportResult) -> None:
        if result.added or result.updated:
            record_audit(conn, "init-db", "import", name, import_counts(result))

    return audit


def database_is_new() -> bool:
    return migrate.current_revision() is None


__all__ = [
    "BUNDLED",
    "bootstrap",
    "database_is_new",
    "import_dataset",
    "init_database",
    "reference_from_registry",
    "run_quality_checks",
]
