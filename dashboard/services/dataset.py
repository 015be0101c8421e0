"""What the command line and the app do to the database: set it up, load the bundled dataset, import, check.

Each function is one user-level operation; the data work itself is in data_access.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from dashboard.reference.registry import DATASET_DIR, Registry, registry
from dashboard.rules import quality
from dashboard.services import board
from dashboard.settings import Settings
from data_access import audit, db, migrate
from data_access import quality_store as qs
from data_access.cache import configure_cache
from data_access.importer import ImportResult, import_file
from data_access.reference import sync_reference

BUNDLED = DATASET_DIR / "observations"


def bootstrap(settings: Settings, flask_app: Flask | None = None) -> Flask:
    """Point this process at the configured database and cache. Returns the Flask app the cache is bound to."""
    db.configure(settings.database_url)
    app = flask_app or Flask("board_dashboard")
    configure_cache(app, redis_url=settings.redis_url, cache_dir=settings.instance_path / "cache",
                    key_prefix=settings.cache_key_prefix, timeout=settings.cache_timeout)
    return app


def reference_from_registry(reg: Registry) -> dict[str, list[dict]]:
    """The registry as plain rows for data_access."""
    boards = [{"code": b.code, "name": b.name, "short_name": b.short_name} for b in reg.boards.values()]
    areas = [{"code": a.code, "name": a.name, "kind": a.kind, "board": a.board, "ons_code": a.ons_code}
             for a in reg.areas.values()]
    indicators = [{"code": i.code, "domain": i.domain, "title": i.title, "unit": i.unit, "polarity": i.polarity,
                   "definition": i.definition, "definition_source": i.definition_source,
                   "breakdowns": ",".join(i.breakdowns), "headline": i.headline, "sort_order": i.order}
                  for i in reg.indicators.values()]
    rules = [{"indicator": i.code, "kind": i.rule.kind, "target": i.rule.target, "tolerance": i.rule.tolerance,
              "range_low": i.rule.range_low, "range_high": i.rule.range_high, "comparator": i.rule.comparator,
              "source_document": i.rule.source_document, "source_line": i.rule.source_line,
              "source_quote": i.rule.source_quote, "default_reason": i.rule.default_reason,
              "applies_from": i.rule.applies_from}
             for i in reg.indicators.values()]
    return {"boards": boards, "areas": areas, "indicators": indicators, "rules": rules}


def init_database(*, load_bundled: bool = True, echo: Callable[[str], None] = lambda _m: None) -> None:
    """Create or upgrade the schema (never dropping data), sync the registry, and load the bundled dataset."""
    db.check_reachable()
    migrate.upgrade_to_head()
    with db.session_scope() as s:
        sync_reference(s, **reference_from_registry(registry()))
    echo(f"schema at revision {migrate.current_revision()}; {len(registry().indicators)} indicators")
    if load_bundled:
        for path in sorted(BUNDLED.glob("*.csv")):
            r = import_file(path, actor="init-db")
            echo(f"{path.name}: {r.added} added, {r.updated} updated, {r.unchanged} unchanged")
            if r.added or r.updated:
                audit.record("init-db", "import", path.name, {"rows": r.rows, "added": r.added,
                                                               "updated": r.updated, "unchanged": r.unchanged})
        echo(f"{board.ACTIONS_FILE.name}: {board.load_bundled_actions()} actions added")
        n = run_quality_checks()
        echo(f"data-quality checks: {n} flags")


def import_dataset(path: Path | str, *, dry_run: bool = False, actor: str = "",
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a file (all or nothing), then re-run the data-quality checks. `actor` (who imports) goes in the
    audit log."""
    result = import_file(path, dry_run=dry_run, actor=actor, progress=progress)
    if not dry_run:
        audit.record(actor, "import", Path(path).name, {"rows": result.rows, "added": result.added,
                                                        "updated": result.updated, "unchanged": result.unchanged})
        run_quality_checks()
    return result


def run_quality_checks() -> int:
    """Run every data-quality check over the dataset and store the flags; return how many."""
    flags = quality.run_checks(qs.observations_for_checks(), qs.replaced_values())
    return qs.replace_flags(flags)


def database_is_new() -> bool:
    return migrate.current_revision() is None
