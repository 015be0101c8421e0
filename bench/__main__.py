"""`python -m bench [--quick] --out FILE.json`: the dashboard's performance, measured end to end.

Steps: a fresh database with the board's bundled dataset behind a multi-worker gunicorn server; headless
Chromium timing the scorecard and drill-down clicks (and recording the callbacks it posts); those callbacks
replayed by one user and by many; the board pack; then the dashboard's queries over synthetic national-size
tables, and the import rate. Every database it makes is its own and is dropped at the end: the board's
database and dataset are never touched. See bench/README-performance.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from pathlib import Path

from bench.common import APP_DATABASE, VENV_BIN, BenchDatabases, Steps, child_env, percentile, say

QUICK_SCALE = (10_000, 1_000_000)
FULL_SCALE = (10_000, 1_000_000, 10_000_000)
IMPORT_ROWS = 1_000_000
STEPS = ("browser", "callbacks", "concurrency", "pack", "load", "scale", "import")

# name, how it compares, threshold, what it means
TARGETS = (
    ("callback_ratio_p95", "<=", 1.5, "drill callback p95 / cheapest callback p95"),
    ("concurrency_ratio_p95", "<=", 2.0, "p95 with 30 users / p95 with one user"),
    ("concurrent_errors", "<=", 0, "failed callbacks with 30 users"),
    ("scale_ratio", "<=", 2.0, "query p95 at the largest table / at the smallest"),
    ("import_rows_per_s", ">=", 50_000, "rows imported per second through board-dashboard import"),
    ("pack_seconds", "<=", 5.0, "board pack: button pressed -> PDF downloaded, first pack for the figures"),
    ("load_ratio_p95", "<=", 2.0, "30 users' p95 with 3 downloading packs / without"),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Measure the dashboard: page and drill times in headless Chromium, callback times for one user and "
            "for many, the board pack, queries over synthetic national-size tables, and the import rate. Uses "
            "PostgreSQL when DATABASE_URL names a PostgreSQL database (it creates and drops its own databases "
            "beside it), else SQLite files in a temporary folder; REDIS_URL, when set, is the server's cache."
        ),
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="under five minutes: scale at 10,000 and 1,000,000 rows, 20 s of concurrent users",
    )
    p.add_argument("--out", type=Path, help="write the results as JSON to this file")
    p.add_argument(
        "--workers", type=int, default=2 * cores + 1, help=f"gunicorn workers (default 2 x cores + 1 = {2 * cores + 1})"
    )
    p.add_argument("--users", type=int, default=30, help="simulated concurrent users (default 30)")
    p.add_argument("--seconds", type=float, help="how long the users click (default 60; --quick 20)")
    p.add_argument(
        "--pack-downloaders",
        type=int,
        default=3,
        help="people downloading board packs during the load step (default 3)",
    )
    p.add_argument("--think", type=float, default=1.0, help="seconds each user waits between clicks (default 1)")
    p.add_argument("--calls", type=int, default=200, help="warm single-user calls of each callback (default 200)")
    p.add_argument("--loads", type=int, default=5, help="warm scorecard loads timed (default 5)")
    p.add_argument("--clicks", type=int, default=30, help="drill-down clicks timed (default 30)")
    p.add_argument(
        "--scale-rows",
        help="comma-separated table sizes (default 10000,1000000 with --quick, 10000,1000000,10000000 without)",
    )
    p.add_argument("--import-rows", type=int, default=IMPORT_ROWS, help="rows for the import rate (default 1,000,000)")
    p.add_argument("--skip", default="", help=f"comma-separated steps to leave out: {', '.join(STEPS)}")
    p.add_argument(
        "--workdir", type=Path, help="keep generated files here (and reuse them) instead of a temporary folder"
    )
    p.add_argument("--seed", type=int, default=7, help="seed for the synthetic data and the choice of points")
    args = p.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else (20.0 if args.quick else 60.0)
    if args.scale_rows:
        try:
            args.scale = tuple(int(x.replace("_", "")) for x in args.scale_rows.split(",") if x.strip())
        except ValueError:
            p.error(f"--scale-rows takes whole numbers separated by commas, not {args.scale_rows!r}")
    else:
        args.scale = QUICK_SCALE if args.quick else FULL_SCALE
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - set(STEPS)
    if unknown:
        p.error(f"--skip: unknown step {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir = workdir.resolve()
    dbs = BenchDatabases(os.environ.get("DATABASE_URL", "").strip() or None, workdir)
    redis = os.environ.get("REDIS_URL", "").strip()
    results: dict = {"benchmark": "python -m bench" + (" --quick" if args.quick else ""), "quick": args.quick}
    errors: dict[str, str] = {}
    load_at_start = os.getloadavg()
    app_steps = [s for s in ("browser", "callbacks", "concurrency") if s not in args.skip]
    n_steps = (
        1
        + bool(app_steps)
        + len(app_steps)
        + ("pack" not in args.skip)
        + ("load" not in args.skip)
        + (0 if "scale" in args.skip else len(args.scale))
        + ("import" not in args.skip and args.import_rows not in _scale_sizes(args))
    )
    steps = Steps(n_steps)
    say(
        f"python -m bench{' --quick' if args.quick else ''}: {dbs.kind}, "
        f"cache {'redis' if redis else 'filesystem'}, {args.workers} workers; work folder {workdir}"
    )
    try:
        app_url = None
        with steps.step(f"database with the board's dataset ({dbs.kind})"):
            app_url = dbs.create(APP_DATABASE)
            _cli(["init-db"], app_url, workdir / "instance_app")
            from bench import machine

            results.update(machine.describe(app_url, cache="redis" if redis else "filesystem"))
        results["settings"] = {
            "workers": args.workers,
            "users": args.users,
            "seconds": args.seconds,
            "think_s": args.think,
            "calls": args.calls,
            "loads": args.loads,
            "clicks": args.clicks,
            "seed": args.seed,
            "scale_rows": list(args.scale),
            "import_rows": args.import_rows,
        }
        recorded = {}
        if app_steps:
            _guard(
                errors,
                "server",
                lambda: recorded.update(payloads=_app_steps(args, steps, app_url, workdir, results, errors)),
            )
        if "pack" not in args.skip:
            with steps.step("board pack with board-dashboard pack"):
                _guard(errors, "pack", lambda: results.update(_pack(app_url, workdir)))
        if "load" not in args.skip:
            with steps.step(
                f"board pack through the web, then {args.users} users with and without "
                f"{args.pack_downloaders} downloading packs"
            ):
                if recorded.get("payloads") is None:
                    errors["load"] = "needs the browser step (it records the payloads)"
                else:
                    _guard(errors, "load", lambda: _load_step(args, app_url, workdir, recorded["payloads"], results))
        dbs.drop(APP_DATABASE)
        _scale_steps(args, steps, dbs, workdir, results, errors)
    except KeyboardInterrupt:
        errors["interrupted"] = "stopped by Ctrl+C before the end"
    finally:
        for name in [APP_DATABASE] + [f"bench_scale_{n}" for n in args.scale] + ["bench_import"]:
            try:
                dbs.drop(name)
            except Exception:  # noqa: BLE001 - best effort at the end: the run's results matter more
                pass
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    results["load_average"] = {
        "start": [round(x, 2) for x in load_at_start],
        "end": [round(x, 2) for x in os.getloadavg()],
    }
    _derive(results)
    results["targets"] = _targets(results)
    if errors:
        results["errors"] = errors
    print(table(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        say(f"wrote {args.out}")
    return 1 if errors else 0


def _scale_sizes(args) -> tuple[int, ...]:
    return () if "scale" in args.skip else args.scale


def _guard(errors: dict[str, str], step: str, fn) -> bool:
    """Run one step; a failure is recorded (and printed) and the benchmark goes on with the next step."""
    try:
        fn()
        return True
    except Exception as e:  # noqa: BLE001 - one failed step must not lose the others' results
        errors[step] = f"{type(e).__name__}: {e}"
        say(f"    {step} FAILED: {errors[step]}")
        traceback.print_exc(file=sys.stderr)
        return False


def _cli(args: list[str], database_url: str, instance: Path) -> str:
    proc = subprocess.run(
        [str(VENV_BIN / "board-dashboard"), *args],
        env=child_env(database_url, instance),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        why = proc.stderr.strip() or proc.stdout.strip()
        raise RuntimeError(f"board-dashboard {' '.join(args)} failed: {why}")
    return proc.stdout


def _app_steps(args, steps: Steps, app_url: str, workdir: Path, results: dict, errors: dict) -> None:
    from bench import browser, callbacks, server

    env = child_env(app_url, workdir / "instance_app")
    with ExitStack() as stack:
        with steps.step(f"gunicorn with {args.workers} workers"):
            base = stack.enter_context(server.gunicorn(env, workers=args.workers, log_path=workdir / "server.log"))
        recorded = None
        if "browser" in args.skip:
            errors["callbacks"] = "needs the browser step (it records the payloads)"
            return
        with steps.step(f"Chromium: {args.loads} scorecard loads, {args.clicks} drill clicks"):

            def run_browser():
                nonlocal recorded
                r = browser.run(
                    base, loads=args.loads, clicks=args.clicks, seed=args.seed, progress=lambda m: say(f"    {m}")
                )
                results.update(
                    {
                        "overview_ms_median": round(percentile(r.overview_ms, 50), 1),
                        "overview_ms": [round(x, 1) for x in r.overview_ms],
                        "scorecard_tiles": r.tiles,
                        "drill_ms_p50": round(percentile(r.drill_ms, 50), 1),
                        "drill_ms_p95": round(percentile(r.drill_ms, 95), 1),
                        "drill_clicks": len(r.drill_ms),
                        "drill_missed_clicks": r.drill_misses,
                        "browser_console_errors": r.console_errors[:20],
                        "recorded_payloads": {"drill": len(r.recorded.drill), "floor": len(r.recorded.floor)},
                    }
                )
                if not r.recorded.drill or not r.recorded.floor:
                    raise RuntimeError("the browser posted no drill or no floor callback to record")
                recorded = r.recorded

            _guard(errors, "browser", run_browser)
        if recorded is None:
            return None
        if "callbacks" not in args.skip:
            with steps.step(f"callbacks posted by one user: {args.calls} drill + {args.calls} floor"):

                def run_single():
                    r = callbacks.single_user(
                        base, recorded.drill, recorded.floor, calls=args.calls, progress=lambda m: say(f"    {m}")
                    )
                    results.update(
                        {
                            "callback_ms_p50": round(percentile(r.drill_ms, 50), 2),
                            "callback_ms_p95": round(percentile(r.drill_ms, 95), 2),
                            "floor_callback_ms_p50": round(percentile(r.floor_ms, 50), 2),
                            "floor_callback_ms_p95": round(percentile(r.floor_ms, 95), 2),
                            "callback_calls": len(r.drill_ms),
                            "callback_errors": len(r.errors),
                        }
                    )
                    if r.errors:
                        results["callback_error_examples"] = sorted(set(r.errors))[:5]

                _guard(errors, "callbacks", run_single)
        if "concurrency" not in args.skip:
            with steps.step(f"{args.users} concurrent users for {args.seconds:.0f} s"):

                def run_concurrent():
                    r = callbacks.concurrent(
                        base,
                        recorded.drill,
                        users=args.users,
                        seconds=args.seconds,
                        think=args.think,
                        seed=args.seed,
                        progress=lambda m: say(f"    {m}"),
                    )
                    results.update(
                        {
                            "concurrent_users": args.users,
                            "concurrent_seconds": args.seconds,
                            "concurrent_requests": len(r.latencies_ms) + len(r.errors),
                            "concurrent_errors": len(r.errors),
                        }
                    )
                    if r.latencies_ms:
                        results["concurrent_p50_ms"] = round(percentile(r.latencies_ms, 50), 2)
                        results["concurrent_p95_ms"] = round(percentile(r.latencies_ms, 95), 2)
                    if r.errors:
                        results["concurrent_error_examples"] = sorted(set(r.errors))[:5]

                _guard(errors, "concurrency", run_concurrent)
    return recorded


def _load_step(args, app_url: str, workdir: Path, recorded, results: dict) -> None:
    """The pack as board members get it (pressed in Chromium, made in the background), on a server of its own
    that names users from headers, then the load run with and without packs being made."""
    from bench import packs, server
    from bench.browser import CHROMIUM, CHROMIUM_FLAGS

    # A fresh instance folder: no chart image or finished pack from the command-line step is reused.
    env = child_env(app_url, workdir / "instance_web", **packs.header_env())
    with server.gunicorn(env, workers=args.workers, log_path=workdir / "server-packs.log") as base:
        first = packs.first_pack(base, str(CHROMIUM), CHROMIUM_FLAGS, workdir)
        results.update(first)
        say(f"    first pack {first['pack_seconds']} s, the same again {first['pack_again_seconds']} s")
        # --quick: 10 s a run (about 300 answers each) keeps the whole benchmark within five minutes.
        seconds = min(args.seconds, 10.0) if args.quick else args.seconds
        r = packs.load(
            base,
            recorded.drill,
            str(CHROMIUM),
            CHROMIUM_FLAGS,
            workdir,
            users=args.users,
            downloaders=args.pack_downloaders,
            seconds=seconds,
            think=args.think,
            seed=args.seed,
            progress=lambda m: say(f"    {m}"),
        )
        results["load_seconds"] = seconds
        results.update(packs.load_results(r, args.users, args.pack_downloaders))


def _pack(app_url: str, workdir: Path) -> dict:
    out = workdir / "board-pack.pdf"
    t = time.perf_counter()
    _cli(["pack", "--out", str(out), "--quiet"], app_url, workdir / "instance_app")
    seconds = time.perf_counter() - t
    if not out.exists() or out.stat().st_size == 0:
        raise RuntimeError("board-dashboard pack wrote no PDF")
    return {"pack_cli_seconds": round(seconds, 1), "pack_cli_kb": round(out.stat().st_size / 1024)}


def _scale_steps(args, steps: Steps, dbs: BenchDatabases, workdir: Path, results: dict, errors: dict) -> None:
    from bench import scale

    entries = []
    for rows in _scale_sizes(args):
        via_cli = "import" not in args.skip and rows == args.import_rows
        with steps.step(
            f"scale: {rows:,} synthetic rows" + (" (imported with board-dashboard import)" if via_cli else "")
        ):

            def one(rows=rows, via_cli=via_cli):
                csv = scale.generate(workdir, rows, args.seed)
                sdb = scale.prepare(dbs, rows, workdir)
                if via_cli:
                    _import_result(results, scale.load_with_cli(sdb, csv, workdir))
                else:
                    scale.load_in_process(sdb, csv)
                scale.analyse(sdb)
                entry = scale.scale_entry(sdb, scale.time_queries(sdb, args.seed))
                entries.append(entry)
                q = entry["queries"]
                say(
                    f"    query p95 {entry['query_ms_p95']} ms; "
                    + ", ".join(f"{k} {v['p95']} ms ({v['rows_returned_median']} rows)" for k, v in q.items())
                )
                dbs.drop(sdb.name)
                if not args.workdir:
                    csv.unlink(missing_ok=True)

            _guard(errors, f"scale {rows}", one)
    if entries:
        results["scale"] = entries
    if "import" not in args.skip and args.import_rows not in _scale_sizes(args):
        with steps.step(f"import: {args.import_rows:,} rows with board-dashboard import"):

            def imp():
                csv = scale.generate(workdir, args.import_rows, args.seed)
                sdb = scale.prepare(dbs, args.import_rows, workdir)
                _import_result(results, scale.load_with_cli(sdb, csv, workdir))
                dbs.drop(sdb.name)

            _guard(errors, "import", imp)


def _import_result(results: dict, timing) -> None:
    results.update(
        {"import_rows": timing.rows, "import_seconds": timing.seconds, "import_rows_per_s": timing.rows_per_s}
    )
    say(f"    imported {timing.rows:,} rows in {timing.seconds:.1f} s: {timing.rows_per_s:,.0f} rows/s")


def _derive(results: dict) -> None:
    """The ratios the targets are set on."""
    if results.get("callback_ms_p95") and results.get("floor_callback_ms_p95"):
        results["callback_ratio_p95"] = round(results["callback_ms_p95"] / results["floor_callback_ms_p95"], 2)
    if results.get("concurrent_p95_ms") and results.get("callback_ms_p95"):
        results["concurrency_ratio_p95"] = round(results["concurrent_p95_ms"] / results["callback_ms_p95"], 2)
    if results.get("load_p95_ms_with_packs") and results.get("load_p95_ms_without_packs"):
        results["load_ratio_p95"] = round(results["load_p95_ms_with_packs"] / results["load_p95_ms_without_packs"], 2)
    scale = results.get("scale") or []
    if len(scale) >= 2:
        by_rows = sorted(scale, key=lambda e: e["rows"])
        results["scale_ratio"] = round(by_rows[-1]["query_ms_p95"] / by_rows[0]["query_ms_p95"], 2)
        results["scale_ratio_rows"] = [by_rows[0]["rows"], by_rows[-1]["rows"]]


def _targets(results: dict) -> list[dict]:
    out = []
    for name, op, threshold, meaning in TARGETS:
        value = results.get(name)
        met = None if value is None else (value <= threshold if op == "<=" else value >= threshold)
        out.append({"name": name, "value": value, "target": f"{op} {threshold:g}", "met": met, "meaning": meaning})
    return out


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def table(results: dict) -> str:
    """The results for a person: every headline number, and each target with PASS or MISS."""
    db = results.get("database", {})
    m = results.get("machine", {})
    lines = [
        f"\nDashboard benchmark{' (quick)' if results.get('quick') else ''}, {results.get('date', '')}: "
        f"{m.get('cores', '?')} cores, {m.get('memory_gib', '?')} GiB, {db.get('kind', '?')} "
        f"{db.get('version', '')}, cache {results.get('cache', '?')}"
    ]
    rows = [
        ("scorecard drawn, median of warm loads (ms)", results.get("overview_ms_median")),
        ("drill click -> panel, p50 (ms)", results.get("drill_ms_p50")),
        ("drill click -> panel, p95 (ms)", results.get("drill_ms_p95")),
        ("drill callback posted, p95 (ms)", results.get("callback_ms_p95")),
        ("cheapest callback posted, p95 (ms)", results.get("floor_callback_ms_p95")),
        (f"{results.get('concurrent_users', '?')} users, drill callback p95 (ms)", results.get("concurrent_p95_ms")),
        ("board pack, button -> PDF, first for the figures (s)", results.get("pack_seconds")),
        ("board pack again, same figures (s)", results.get("pack_again_seconds")),
        ("board pack by board-dashboard pack (s)", results.get("pack_cli_seconds")),
        (f"{results.get('load_users', '?')} users, p95 without packs (ms)", results.get("load_p95_ms_without_packs")),
        (
            f"{results.get('load_users', '?')} users, p95 with {results.get('load_pack_downloaders', '?')} "
            "downloading packs (ms)",
            results.get("load_p95_ms_with_packs"),
        ),
        ("packs downloaded during the load, median (s)", results.get("load_pack_seconds_median")),
    ]
    for e in results.get("scale", []):
        rows.append((f"queries at {e['rows']:,} synthetic rows, p95 (ms)", e["query_ms_p95"]))
    width = max(len(r[0]) for r in rows) + 2
    lines.append("")
    lines += [f"  {label:<{width}}{_fmt(value):>12}" for label, value in rows]
    lines.append("")
    lines.append(f"  {'target':<{width}}{'value':>12}  {'goal':<10} result")
    for t in results.get("targets", []):
        verdict = "-" if t["met"] is None else ("PASS" if t["met"] else "MISS")
        lines.append(f"  {t['name']:<{width}}{_fmt(t['value']):>12}  {t['target']:<10} {verdict}")
    if results.get("scale_ratio") is not None and results.get("quick"):
        lines.append(
            "  (scale_ratio's target is for 10,000,000 rows on PostgreSQL: --quick stops at "
            f"{max(results['scale_ratio_rows']):,} rows)"
        )
    load = results.get("load_average", {}).get("start")
    if load and load[0] > (m.get("cores") or 1):
        lines.append(
            f"  NOTE: the machine was busy when the run started (load average {load[0]:.1f} on "
            f"{m.get('cores')} cores): timings are slower and noisier than on an idle machine"
        )
    for step, message in (results.get("errors") or {}).items():
        lines.append(f"  ERROR in {step}: {message}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
