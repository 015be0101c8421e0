"""Upgrading a database that already holds figures to 0008: each figure gets its kind of source by the rule the
migration states, and nothing is lost (the history of replaced values included), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from dashboard.reference.registry import registry
from dashboard.services import dataset as services
from data_access import db, migrate
from data_access.models import utcnow
from data_access.periods import parse_period
from data_access.reference import sync_reference

SEED = "001_21cb56d49e1c8890.txt"


def _store_before_0008(conn, indicator: str, period: str, value: float, source_document: str,
                       source_line: int | None, note: str, derived: bool) -> int:
    """A figure as the importer stored it before 0008 (the schema of 0007 has no kind, status or rounding): written
    with SQL, as today's importer writes the columns 0008 adds."""
    p = parse_period(period)
    period_id = conn.execute(text("SELECT id FROM period WHERE code = :c"), {"c": p.code}).scalar()
    if period_id is None:
        period_id = conn.execute(text(
            "INSERT INTO period (code, kind, start_date, end_date, label, sort_key) "
            "VALUES (:code, :kind, :start, :end, :label, :sort_key) RETURNING id"),
            {"code": p.code, "kind": p.kind, "start": p.start, "end": p.end, "label": p.label,
             "sort_key": p.sort_key}).scalar_one()
    return conn.execute(text(
        "INSERT INTO observation (indicator_id, area_id, period_id, breakdown_dimension, breakdown_value, value, "
        "source_document, source_line, note, derived, updated_at) SELECT i.id, a.id, :period, '', '', :value, :doc, "
        ":line, :note, :derived, :now FROM indicator i, area a WHERE i.code = :ind AND a.code = 'havering' "
        "RETURNING id"),
        {"period": period_id, "value": value, "doc": source_document, "line": source_line, "note": note,
         "derived": derived, "now": utcnow(), "ind": indicator}).scalar_one()


def test_figures_stored_before_0008_keep_their_values_and_get_their_kind_by_the_stated_rule(settings, tmp_path):
    services.bootstrap(settings)
    cfg = migrate.alembic_config()
    with db.get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with db.session_scope() as s:
        sync_reference(s, **services.reference_from_registry(registry()))
    with db.get_engine().begin() as conn:
        # A board document's figure as the bundled dataset has it (file and line), imported, then corrected once.
        doc = _store_before_0008(conn, "children_in_need", "2016-03-31", 1374.0, SEED, 99,
                                 "an increase from 1 374 on 31 March 2016", False)
        conn.execute(text("INSERT INTO observation_history (observation_id, value, source_document, source_line, "
                          "note, replaced_at) VALUES (:o, 1347.0, :doc, 99, :note, :now)"),
                     {"o": doc, "doc": SEED, "note": "an increase from 1 374 on 31 March 2016", "now": utcnow()})
        # A figure as dashboard/returns/ingest.py writes it: the return's file, no line, derived, "Computed from".
        _store_before_0008(conn, "children_looked_after", "2023-24", 250.0, "episodes_2024.csv", None,
                           "Computed from child-level SSDA903 data by rule version 3 (DfE SSDA903 guide "
                           "definitions).", True)

    migrate.upgrade_to_head()

    assert migrate.current_revisions() == {"0008"}
    with db.get_engine().connect() as conn:
        rows = conn.execute(text(
            "SELECT i.code, o.source_kind, o.value, o.value_status, o.rounded, o.source_document, o.source_line "
            "FROM observation o JOIN indicator i ON i.id = o.indicator_id ORDER BY i.code")).all()
        history = conn.execute(text("SELECT value, value_status, rounded, source_document FROM observation_history")
                               ).all()
    assert [tuple(r) for r in rows] == [
        ("children_in_need", "document", 1374.0, None, False, SEED, 99),
        ("children_looked_after", "returns", 250.0, None, False, "episodes_2024.csv", None)]
    assert [tuple(h) for h in history] == [(1347.0, None, False, SEED)]
