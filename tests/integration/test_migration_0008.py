"""Upgrading a database that already holds figures to 0008: each figure gets its kind of source by the rule the
migration states, and nothing is lost (the history of replaced values included), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from dashboard.reference.registry import registry
from dashboard.services import dataset as services
from data_access import db, migrate
from data_access.importer import COLUMNS, import_file
from data_access.reference import sync_reference

SEED = "001_21cb56d49e1c8890.txt"


def _write(path, rows: list[list[str]]) -> None:
    lines = [",".join(COLUMNS)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_figures_stored_before_0008_keep_their_values_and_get_their_kind_by_the_stated_rule(settings, tmp_path):
    services.bootstrap(settings)
    cfg = migrate.alembic_config()
    with db.get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with db.session_scope() as s:
        sync_reference(s, **services.reference_from_registry(registry()))
    # A board document's figure as the bundled dataset has it (file and line), imported, then corrected once.
    document = ["children_in_need", "havering", "2016-03-31", "", "", "{v}", "", "", "count", SEED, "99",
                "an increase from 1 374 on 31 March 2016", ""]
    _write(tmp_path / "doc.csv", [[c.format(v="1347") for c in document]])
    import_file(tmp_path / "doc.csv")
    _write(tmp_path / "doc.csv", [[c.format(v="1374") for c in document]])
    import_file(tmp_path / "doc.csv")
    # A figure as dashboard/returns/ingest.py writes it: the return's file, no line, derived, "Computed from ...".
    _write(tmp_path / "ingest.csv", [["children_looked_after", "havering", "2023-24", "", "", "250", "", "",
                                      "count", "episodes_2024.csv", "", "Computed from child-level SSDA903 data "
                                      "by rule version 3 (DfE SSDA903 guide definitions).", "yes"]])
    import_file(tmp_path / "ingest.csv")

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
