"""The spine as a user or an operator meets it: the command line, a real server, several workers, the cache."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from dashboard.services import dataset as services
from dashboard.settings import Settings
from data_access import cache as data_cache
from data_access import db
from data_access.exporter import export_csv
from data_access.queries import quality_flags
from tests.conftest import ROOT, require_or_skip
from tests.servers import running_server


def cli(*args, env=None, input=None):
    e = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )


@pytest.mark.parametrize("command", ["serve", "init-db", "export", "import", "check", "indicators", "template", "pack"])
def test_every_command_explains_itself(command):
    r = cli(command, "--help")
    assert r.returncode == 0
    assert "usage: board-dashboard" in r.stdout and len(r.stdout.split()) > 15


COMMANDS = {
    "serve",
    "init-db",
    "export",
    "import",
    "check",
    "indicators",
    "template",
    "pack",
    "user",
    "audit",
    "ingest-903",
    "ingest-annex-a",
    "synthetic-returns",
    "board",
    "import-official",
    "areas",
}


def test_the_help_lists_every_command_and_a_wrong_command_line_is_exit_status_2():
    r = cli("--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: board-dashboard")
    listed = set(re.findall(r"^  ([a-z][a-z0-9-]*) ", r.stdout.split("Commands:", 1)[1], re.M))
    assert listed == COMMANDS
    for args, says in (
        (("frobnicate",), "No such command 'frobnicate'"),
        (("import",), "Missing argument 'FILE'"),
        (("pack", "--board", "havering"), "Missing option '--out'"),
        (("serve", "--port", "eighty"), "'eighty' is not a valid integer"),
    ):
        r = cli(*args)
        assert r.returncode == 2, args
        assert r.stdout == "", "nothing on standard output when the command line is wrong"
        assert r.stderr.startswith("usage: board-dashboard") and says in r.stderr, r.stderr


def test_a_refused_command_is_one_line_on_standard_error_and_exit_status_1(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path)}
    r = cli("pack", "--out", str(tmp_path / "pack.pdf"), "--board", "nowhere", env=env)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "board-dashboard: unknown board 'nowhere'; choose one of havering, triborough\n"
    assert not (tmp_path / "pack.pdf").exists()
    (tmp_path / "partner.xlsx").write_bytes(b"keep me")
    r = cli("template", "--out", str(tmp_path / "partner.xlsx"), env=env)
    assert r.returncode == 1 and r.stderr.startswith("board-dashboard: ") and len(r.stderr.splitlines()) == 1
    assert (tmp_path / "partner.xlsx").read_bytes() == b"keep me"


def test_a_bad_setting_stops_a_command_but_not_its_help(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path), "AUTH_MODE": "sometimes"}
    r = cli("indicators", env=env)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == "AUTH_MODE must be one of none, password, header, not 'sometimes'"
    assert cli("indicators", "--help", env=env).returncode == 0


def test_progress_goes_to_standard_error_and_quiet_shows_none(empty_db, tmp_path):
    out = tmp_path / "one.csv"
    out.write_text("indicator,area,period,value\ncontacts,havering,2015-16,1234\n", encoding="utf-8")
    # As on a terminal (rich draws its bars only there), so the bar is really drawn.
    env = {"DATABASE_URL": empty_db.database_url, "INSTANCE_PATH": str(empty_db.instance_path), "TTY_COMPATIBLE": "1"}
    r = cli("import", str(out), env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "1 rows read: 1 added, 0 updated, 0 unchanged\n", "standard output stays parseable"
    assert "checking one.csv" in r.stderr and "bytes" in r.stderr
    r = cli("import", str(out), "--quiet", env=env)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == "1 rows read: 0 added, 0 updated, 1 unchanged\n"
    r = cli("synthetic-returns", str(tmp_path / "returns"), "--seed", "3", "--quiet", env=env)
    assert r.returncode == 0 and r.stderr == "" and "SYNTHETIC" in r.stdout


def test_a_rejected_import_lists_every_error_and_changes_nothing(empty_db, tmp_path):
    out = tmp_path / "bad.csv"
    out.write_text(
        "indicator,area,period,value\nno_such_indicator,havering,2015-16,1\n"
        "contacts,nowhere,2015-16,2\ncontacts,havering,2015-16,3\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": empty_db.database_url, "INSTANCE_PATH": str(empty_db.instance_path)}
    r = cli("import", str(out), "--quiet", env=env)
    assert (r.returncode, r.stdout) == (1, "")
    lines = r.stderr.splitlines()
    assert lines[0] == "board-dashboard: bad.csv was not imported; nothing was changed."
    assert "no_such_indicator" in lines[1] and "nowhere" in lines[2] and all(x.startswith("  ") for x in lines[1:3])
    assert lines[-1] == "Fix these rows and import the file again (use --dry-run to check without writing)."
    assert export_csv(tmp_path / "after.csv") == 0


def test_init_db_and_export_give_the_same_rows_on_sqlite_and_postgresql(tmp_path, pg_server_url):
    if not pg_server_url:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    exports = []
    for name, url in (("sqlite", f"sqlite:///{tmp_path / 'a.db'}"), ("postgresql", pg_server_url)):
        env = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / name)}
        if name == "postgresql":
            from tests.conftest import _reset_pg

            _reset_pg(url)
        r = cli("init-db", env=env)
        assert r.returncode == 0, r.stderr
        out = tmp_path / f"{name}.csv"
        r = cli("export", "--out", str(out), env=env)
        assert r.returncode == 0, r.stderr
        exports.append(out.read_text(encoding="utf-8"))
    assert exports[0] == exports[1]
    assert exports[0].count("\n") > 200


def test_init_db_twice_upgrades_in_place_and_keeps_data(national_db, tmp_path):
    before = export_csv(tmp_path / "a.csv")
    services.init_database(load_bundled=True)
    assert export_csv(tmp_path / "b.csv") == before
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


def test_an_unreachable_database_is_one_clear_line_with_the_password_masked(tmp_path):
    url = "postgresql://board:s3cret@127.0.0.1:1/board"
    r = cli("serve", "--port", "1", env={"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})
    assert r.returncode == 2
    lines = [line for line in r.stderr.strip().splitlines() if line]
    assert len(lines) == 1, r.stderr
    assert "cannot reach the database at postgresql+psycopg://board:***@127.0.0.1:1/board" in lines[0]
    assert "s3cret" not in r.stderr


def test_the_embedded_default_creates_and_loads_its_database_and_reports_health(tmp_path):
    with running_server({"INSTANCE_PATH": str(tmp_path)}) as url:
        h = requests.get(url + "/healthz", timeout=5)
        assert h.status_code == 200
        body = h.json()
        assert body["status"] == "ok" and body["database"] == "reachable"
        assert body["cache"] == "filesystem" and body["observations"] > 200
        assert "sqlite" not in h.text and str(tmp_path) not in h.text
        page = requests.get(url + "/", timeout=5)
        assert page.status_code == 200 and "Safeguarding board dashboard" in page.text
    assert (tmp_path / "board.db").is_file()


def test_gunicorn_with_three_workers_on_postgresql_and_redis_serves_from_several_workers(
    tmp_path, pg_server_url, redis_url
):
    if not pg_server_url:
        require_or_skip("TEST_DATABASE_URL (PostgreSQL)")
    from tests.conftest import _reset_pg

    _reset_pg(pg_server_url)
    env = {"DATABASE_URL": pg_server_url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path)}
    assert cli("init-db", env=env).returncode == 0
    log = tmp_path / "gunicorn.log"
    with running_server(env, gunicorn_workers=3, log_path=log) as url:

        def visit(_):
            with requests.Session() as s:
                page = s.get(url + "/", timeout=30)
                health = s.get(url + "/healthz", timeout=30).json()
                return page.status_code, health["cache"], health["observations"]

        # Requests in parallel: a sync worker serves one at a time, so the others must take their share.
        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(visit, range(60)))
    assert all(r == (200, "redis", results[0][2]) for r in results) and results[0][2] > 200
    pids = set(re.findall(r"pid=<?(\d+)>? GET / ", log.read_text()))
    assert len(pids) >= 2, log.read_text()[-2000:]


def test_data_functions_are_cached_in_redis_and_an_import_clears_them(tmp_path, redis_url, loaded_db):
    settings = Settings(instance_path=tmp_path, database_url=loaded_db.database_url, redis_url=redis_url)
    services.bootstrap(settings)
    client = redis.Redis.from_url(redis_url)
    data_cache.invalidate()
    first = quality_flags()
    assert client.keys(settings.cache_key_prefix + "*"), "the result should be stored in Redis under this prefix"
    # Change the data behind the cache's back: a cached function keeps answering from Redis...
    from sqlalchemy import delete

    from data_access.models import DataQualityFlag

    with db.session_scope() as s:
        s.execute(delete(DataQualityFlag))
    assert len(quality_flags()) == len(first) > 0
    # ...until an import changes data, which clears the shared cache for every worker.
    out = tmp_path / "one.csv"
    out.write_text("indicator,area,period,value\ncontacts,havering,2015-16,1234\n", encoding="utf-8")
    services.import_dataset(out)
    assert not client.keys(settings.cache_key_prefix + "*")
    assert len(quality_flags()) == len(first)  # the checks ran again after the import and were re-read


def test_without_redis_an_import_in_another_process_clears_this_process_cache(tmp_path, loaded_db):
    services.bootstrap(loaded_db)
    data_cache.invalidate()
    n = len(quality_flags())
    # The command line (another process) imports a figure whose percentage contradicts its own counts.
    out = tmp_path / "one.csv"
    out.write_text(
        "indicator,area,period,value,numerator,denominator\nreferrals_to_assessment_pct,havering,2019-20,50,10,30\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": loaded_db.database_url, "INSTANCE_PATH": str(loaded_db.instance_path)}
    r = cli("import", str(out), "--quiet", env=env)
    assert r.returncode == 0, r.stderr
    assert "1 added" in r.stdout
    flags = quality_flags()
    assert len(flags) == n + 1
    assert "10 of 30 is 33.3%" in " ".join(flags["message"])
