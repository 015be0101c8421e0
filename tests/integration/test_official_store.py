"""Storing the DfE's official statistics, on SQLite and PostgreSQL: every figure cites its file and line, symbols
are kept as statuses, a re-load changes nothing, a board document's figure is never overwritten, and a load is all
or nothing with its audit entry."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from dashboard.official import SNAPSHOT_DIR
from dashboard.official.errors import OfficialReadError
from dashboard.services import dataset as services
from dashboard.services.official import import_official, snapshot_paths
from dashboard.settings import Settings
from data_access import db
from data_access.official_store import OfficialLoadRefused, load_official

ROOT = Path(__file__).resolve().parents[2]
EXCERPTS = ROOT / "tests" / "fixtures" / "official" / "excerpts"
B1 = "b1_children_in_need_2013_to_2025.csv"


def figures(indicator: str, area: str, period: str, dimension: str = "", value: str = "") -> list[dict]:
    """Every stored figure of one key, one per kind of source, as a user would be shown them."""
    with db.get_engine().connect() as conn:
        rows = (
            conn.execute(
                text(
                    "SELECT o.source_kind, o.value, o.value_status, o.rounded, o.source_document, o.source_line "
                    "FROM observation o JOIN indicator i ON i.id = o.indicator_id JOIN area a ON a.id = o.area_id "
                    "JOIN period p ON p.id = o.period_id WHERE i.code = :i AND a.code = :a AND p.code = :p "
                    "AND o.breakdown_dimension = :d AND o.breakdown_value = :v ORDER BY o.source_kind"
                ),
                {"i": indicator, "a": area, "p": period, "d": dimension, "v": value},
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def count(sql: str) -> int:
    with db.get_engine().connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def official_count() -> int:
    return count("SELECT count(*) FROM observation WHERE source_kind = 'official'")


def audit_entries() -> list[dict]:
    with db.get_engine().connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text("SELECT actor, action, target, detail FROM audit_log WHERE action = 'import-official' ORDER BY id")
            ).mappings()
        ]


def published_lines(name: str, *wanted: str) -> str:
    """The header and the lines of a bundled published file that start with one of `wanted`, unchanged."""
    with gzip.open(SNAPSHOT_DIR / f"{name}.gz", "rt", encoding="utf-8-sig", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    return lines[0] + "".join(line for line in lines[1:] if line.startswith(wanted))


def test_excerpts_store_havering_london_and_england_with_their_file_and_line(empty_db):
    result = import_official([EXCERPTS], actor="analyst")

    assert result.added == result.rows > 1000 and result.updated == 0
    # b1 line 10: "2025,...,311,E09000016,Havering,Children in Need,...,2549,52" - At31_episodes is 2549
    assert figures("children_in_need", "havering", "2025-03-31") == [
        {
            "source_kind": "official",
            "value": 2549.0,
            "value_status": None,
            "rounded": False,
            "source_document": B1,
            "source_line": 10,
        }
    ]
    # National and regional counts are rounded by the DfE to the nearest 10, and marked so
    assert figures("children_in_need", "london", "2025-03-31") == [
        {
            "source_kind": "official",
            "value": 68820.0,
            "value_status": None,
            "rounded": True,
            "source_document": B1,
            "source_line": 3,
        }
    ]
    assert figures("children_in_need", "england", "2025-03-31") == [
        {
            "source_kind": "official",
            "value": 402400.0,
            "value_status": None,
            "rounded": True,
            "source_document": B1,
            "source_line": 2,
        }
    ]
    # the areas and neighbours came with them
    assert count("SELECT count(*) FROM area WHERE code = 'westmorland_and_furness' AND dfe_number = '943'") == 1


@pytest.mark.parametrize(
    ("area", "period", "status", "line"),
    [
        ("isles_of_scilly", "2023-03-31", "suppressed", 28),  # c
        ("hackney", "2022-03-31", "not_available", 36),  # x
        ("hampshire", "2024-03-31", "low_reliability", 19),  # u
    ],
)
def test_a_symbol_is_stored_with_no_value_and_the_status_it_stands_for(empty_db, area, period, status, line):
    import_official([EXCERPTS])

    assert figures("children_in_need", area, period) == [
        {
            "source_kind": "official",
            "value": None,
            "value_status": status,
            "rounded": False,
            "source_document": B1,
            "source_line": line,
        }
    ]


def test_a_second_load_of_the_same_files_changes_nothing(empty_db):
    first = import_official([EXCERPTS])
    stored = official_count()

    again = import_official([EXCERPTS])

    assert (again.added, again.updated, again.unchanged) == (0, 0, first.rows)
    assert again.neighbours == 0 and again.areas_added == 0
    assert official_count() == stored
    assert count("SELECT count(*) FROM observation_history") == 0


def test_a_revised_figure_replaces_the_old_one_and_the_old_one_is_kept_in_the_history(empty_db, tmp_path):
    published = tmp_path / "published" / B1
    published.parent.mkdir()
    published.write_text(published_lines(B1, "2016,"), encoding="utf-8")
    import_official([published])
    assert figures("children_in_need", "havering", "2016-03-31")[0]["value"] == 1374.0

    # A later edition of the file in which the DfE revised Havering's figure (test data: the published line
    # with At31_episodes changed from 1374 to 1375).
    revised = tmp_path / "revised" / B1
    revised.parent.mkdir()
    text_ = published.read_text(encoding="utf-8").replace(
        "Havering,Children in Need,2917,2771,1581,1510,1543,1493,1374,200",
        "Havering,Children in Need,2917,2771,1581,1510,1543,1493,1375,200",
    )
    assert "1375,200" in text_
    revised.write_text(text_, encoding="utf-8")

    result = import_official([revised])

    assert result.updated == 1 and result.added == 0
    assert figures("children_in_need", "havering", "2016-03-31")[0]["value"] == 1375.0
    with db.get_engine().connect() as conn:
        history = conn.execute(text("SELECT value, value_status, source_document FROM observation_history")).all()
    assert [tuple(h) for h in history] == [(1374.0, None, B1)]


def test_an_official_and_a_board_document_figure_for_the_same_key_are_both_kept(loaded_db, tmp_path):
    # The bundled dataset holds Havering's children in need at 31 March 2016 from Ofsted's report (line 99).
    before = figures("children_in_need", "havering", "2016-03-31")
    assert [(f["source_kind"], f["value"], f["source_document"]) for f in before] == [
        ("document", 1374.0, "001_21cb56d49e1c8890.txt")
    ]
    documents = count("SELECT count(*) FROM observation WHERE source_kind = 'document'")
    path = tmp_path / B1
    path.write_text(
        published_lines(B1, "2016,Reporting year,Local authority,E92000001,England,E13000002,Outer London,311,"),
        encoding="utf-8",
    )

    result = import_official([path])

    assert result.added == result.rows == 1
    assert figures("children_in_need", "havering", "2016-03-31") == [
        {**before[0]},
        {
            "source_kind": "official",
            "value": 1374.0,
            "value_status": None,
            "rounded": False,
            "source_document": B1,
            "source_line": 2,
        },
    ]
    assert count("SELECT count(*) FROM observation WHERE source_kind = 'document'") == documents


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(empty_db):
    areas = count("SELECT count(*) FROM area")
    runs = count("SELECT count(*) FROM import_run")

    result = import_official([EXCERPTS], dry_run=True, actor="analyst")

    assert result.dry_run and result.added == result.rows > 1000
    assert official_count() == 0
    assert count("SELECT count(*) FROM area") == areas
    assert count("SELECT count(*) FROM statistical_neighbour") == 0
    assert count("SELECT count(*) FROM import_run") == runs
    assert audit_entries() == []


class Interrupted(Exception):
    """The import was stopped part-way (the user pressed Ctrl-C, the connection dropped)."""


def test_an_import_stopped_part_way_leaves_nothing_behind(empty_db):
    areas = count("SELECT count(*) FROM area")

    def stop(done: int, total: int) -> None:
        raise Interrupted(f"stopped after {done} of {total} rows")

    with pytest.raises(Interrupted):
        import_official([EXCERPTS], progress=stop)

    assert official_count() == 0
    assert count("SELECT count(*) FROM area") == areas  # the areas written before the figures are gone too
    assert count("SELECT count(*) FROM statistical_neighbour") == 0
    assert audit_entries() == []
    # and the same import then goes through
    assert import_official([EXCERPTS]).added > 1000


def test_the_audit_entry_is_committed_with_the_load(empty_db):
    result = import_official([EXCERPTS], actor="analyst")

    [entry] = audit_entries()
    assert entry["actor"] == "analyst" and entry["action"] == "import-official"
    assert B1 in entry["target"]
    detail = json.loads(entry["detail"])
    assert (detail["rows"], detail["added"], detail["updated"]) == (result.rows, result.added, 0)
    assert official_count() == result.added


def test_a_file_in_a_layout_the_mapping_does_not_know_stops_before_anything_is_written(empty_db, tmp_path):
    path = tmp_path / B1
    text_ = (EXCERPTS / B1).read_text(encoding="utf-8-sig")
    path.write_text(text_.replace("At31_episodes", "At31_children", 1), encoding="utf-8")

    with pytest.raises(OfficialReadError) as e:
        import_official([path, EXCERPTS / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"])

    assert (e.value.file, e.value.line, e.value.column) == (B1, 1, "At31_children")
    assert official_count() == 0 and audit_entries() == []


def test_rows_of_an_indicator_the_registry_does_not_know_are_refused_with_where_they_are(empty_db):
    rows = [
        {
            "indicator": "children_in_needs",
            "area": "havering",
            "period": "2025-03-31",
            "value": 2549.0,
            "unit": "count",
            "source_document": B1,
            "source_line": 10,
        },
        {
            "indicator": "children_in_need",
            "area": "havering",
            "period": "2024-03-31",
            "value": 2558.0,
            "unit": "count",
            "source_document": B1,
            "source_line": 20,
        },
    ]

    with db.get_engine().connect() as conn, pytest.raises(OfficialLoadRefused) as e:
        load_official(conn, [], [], rows)

    assert e.value.problems == [
        f"{B1}, line 10: unknown indicator 'children_in_needs' in 1 row (did you mean "
        "'children_in_need'?); add it to the indicator registry first"
    ]
    assert official_count() == 0


@pytest.fixture
def fresh_sqlite(tmp_path) -> Settings:
    """A new SQLite database with the schema and registry, no figures: what init-db starts from."""
    settings = Settings(
        instance_path=tmp_path / "instance", database_url=f"sqlite:///{tmp_path / 'fresh.db'}", redis_url=None
    )
    services.bootstrap(settings)
    services.init_database(load_bundled=False)
    return settings


def test_the_whole_bundled_snapshot_loads_into_a_fresh_sqlite_database(fresh_sqlite, capsys):
    started = time.perf_counter()
    result = import_official(snapshot_paths(), actor="init-db")
    seconds = time.perf_counter() - started

    assert result.added == result.rows == official_count() > 80_000
    assert figures("children_in_need", "havering", "2025-03-31")[0]["value"] == 2549.0
    with capsys.disabled():
        print(
            f"\nofficial snapshot into fresh SQLite: {result.rows} rows; read {result.read_seconds:.2f} s, "
            f"stored {result.load_seconds:.2f} s ({result.rows / result.load_seconds:,.0f} rows/s); "
            f"end to end {seconds:.2f} s ({result.rows / seconds:,.0f} rows/s)"
        )


def test_two_rows_for_one_figure_are_refused_naming_both_lines(empty_db):
    row = {
        "indicator": "children_in_need",
        "area": "havering",
        "period": "2025-03-31",
        "value": 2549.0,
        "unit": "count",
        "source_document": B1,
    }
    rows = [
        {**row, "source_line": 10},
        {**row, "source_line": 20, "value": 2558.0},
        {**row, "period": "2024-03-31", "source_line": 30, "value": None, "value_status": "withheld"},
    ]

    with db.get_engine().connect() as conn, pytest.raises(OfficialLoadRefused) as e:
        load_official(conn, [], [], rows)

    assert e.value.problems == [
        f"{B1}, line 30: value_status 'withheld' is not one of suppressed, not_available, not_applicable, "
        "fewer_than_half, low_reliability",
        f"{B1}, line 20: gives the same figure (indicator, area, period and breakdown) as {B1}, line 10",
    ]
    assert official_count() == 0
