"""Upgrading a database that already holds figures to 0008: each figure gets its kind of source by the rule the
migration states, and nothing is lost (the history of replaced values included), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from dashboard.reference.registry import registry
from dashboard.services import dataset as services
from data_access import db, migrate
from data_access.periods import parse_period
from data_access.reference import sync_reference

SEED = "001_21cb56d49e1c8890.txt"


def test_figures_stored_before_0008_keep_their_values_and_get_their_kind_by_the_stated_rule(settings, tmp_path):
    services.bootstrap(settings)
    cfg = migrate.alembic_config()
    with db.get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with db.session_scope() as s:
        sync_reference(s, **services.reference_from_registry(registry()))
    # Written as the importer of revision 0007 wrote them (this code's importer knows later columns): a board
    # document's figure with its file and line, corrected once (its old value in the history); and a figure as
    # dashboard/returns/ingest.py writes it: the return's file, no line, derived, "Computed from ...".
    with db.get_engine().begin() as conn:

        def id_of(table: str, code: str) -> int:
            return conn.execute(text(f"SELECT id FROM {table} WHERE code = :c"), {"c": code}).scalar_one()

        def period(code: str) -> int:
            p = parse_period(code)
            conn.execute(
                text(
                    "INSERT INTO period (code, kind, start_date, end_date, label, sort_key) "
                    "VALUES (:c, :k, :s, :e, :l, :o)"
                ),
                {"c": p.code, "k": p.kind, "s": p.start, "e": p.end, "l": p.label, "o": p.sort_key},
            )
            return id_of("period", p.code)

        havering = id_of("area", "havering")
        insert = text(
            "INSERT INTO observation (indicator_id, area_id, period_id, breakdown_dimension, "
            "breakdown_value, value, source_document, source_line, note, derived, updated_at) "
            "VALUES (:i, :a, :p, '', '', :v, :d, :l, :n, :x, CURRENT_TIMESTAMP)"
        )
        conn.execute(
            insert,
            {
                "i": id_of("indicator", "children_in_need"),
                "a": havering,
                "p": period("2016-03-31"),
                "v": 1374.0,
                "d": SEED,
                "l": 99,
                "n": "an increase from 1 374 on 31 March 2016",
                "x": False,
            },
        )
        doc_id = conn.execute(text("SELECT max(id) FROM observation")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO observation_history (observation_id, value, source_document, source_line, "
                "note, replaced_at) VALUES (:o, 1347.0, :d, 99, '', CURRENT_TIMESTAMP)"
            ),
            {"o": doc_id, "d": SEED},
        )
        conn.execute(
            insert,
            {
                "i": id_of("indicator", "children_looked_after"),
                "a": havering,
                "p": period("2023-24"),
                "v": 250.0,
                "d": "episodes_2024.csv",
                "l": None,
                "n": "Computed from child-level SSDA903 data by rule version 3 (DfE SSDA903 guide definitions).",
                "x": True,
            },
        )

    with db.get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")

    assert migrate.current_revisions() == {"0008"}
    with db.get_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.code, o.source_kind, o.value, o.value_status, o.rounded, o.source_document, o.source_line "
                "FROM observation o JOIN indicator i ON i.id = o.indicator_id ORDER BY i.code"
            )
        ).all()
        history = conn.execute(
            text("SELECT value, value_status, rounded, source_document FROM observation_history")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("children_in_need", "document", 1374.0, None, False, SEED, 99),
        ("children_looked_after", "returns", 250.0, None, False, "episodes_2024.csv", None),
    ]
    assert [tuple(h) for h in history] == [(1347.0, None, False, SEED)]
