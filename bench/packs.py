"""The board pack through the web, as board members get it: pressed in Chromium, made in a background job, then
downloaded; and the load it puts on everyone else (30 users browsing, with and without 3 people downloading packs).

The server for this step signs people in from headers (AUTH_MODE=header, the benchmark acting as the sign-on proxy
on loopback), so each simulated person is a different user: the server allows one pack in progress per user, and
the three who download must not be one person refused twice.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import callbacks
from bench.common import percentile

# Each downloader asks for a different period's pack, and then the next: packs made for new data every time
# (the worst case: a pack already made for the same figures is handed out again without any work).
PERIODS = ("latest", "2018-19", "2017-18", "2016-17", "2015-16", "2014-15", "2013-14", "2012-13")
PACK_TIMEOUT_MS = 240_000


def header_env() -> dict[str, str]:
    """The server's environment for this step: users named by the benchmark's own headers on loopback."""
    return {"AUTH_MODE": "header", "TRUSTED_PROXIES": "127.0.0.1"}


def user_headers(name: str, role: str = "viewer") -> dict[str, str]:
    return {"X-Forwarded-User": name, "X-Forwarded-Roles": role}


def _download(page, base_url: str, period: str, out: Path) -> float:
    """Open the scorecard for `period`, press the pack button, and return the seconds until the PDF arrives."""
    page.goto(f"{base_url}/?board=havering&area=havering&period={period}")
    page.wait_for_selector("#pack-button:not([disabled])", timeout=60_000)
    page.wait_for_selector("#scorecard .rag-tile", timeout=60_000)
    t = time.perf_counter()
    with page.expect_download(timeout=PACK_TIMEOUT_MS) as dl:
        page.click("#pack-button")
    dl.value.save_as(out)
    seconds = time.perf_counter() - t
    if not out.read_bytes().startswith(b"%PDF"):
        raise RuntimeError("the pack downloaded is not a PDF")
    return seconds


def first_pack(base_url: str, chromium: str, flags: list[str], workdir: Path) -> dict:
    """`pack_seconds`: one viewer's first pack for the board's latest figures (nothing drawn before), from
    pressing the button to the file, with progress shown meanwhile; and the same pack asked for again."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=flags, headless=True)
        try:
            ctx = b.new_context(accept_downloads=True, extra_http_headers=user_headers("bench-first"))
            page = ctx.new_page()
            first = _download(page, base_url, "latest", workdir / "pack-first.pdf")
            again = _download(page, base_url, "latest", workdir / "pack-again.pdf")
        finally:
            b.close()
    size = (workdir / "pack-first.pdf").stat().st_size
    return {"pack_seconds": round(first, 2), "pack_again_seconds": round(again, 2), "pack_kb": round(size / 1024)}


def _downloader(
    n: int, base_url: str, chromium: str, flags: list[str], workdir: str, start: float, deadline: float, answers
) -> None:
    """One person downloading packs one after another until the deadline (in a process of its own)."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=chromium, args=flags, headless=True)
            ctx = b.new_context(accept_downloads=True, extra_http_headers=user_headers(f"bench-pack-{n}"))
            page = ctx.new_page()
            time.sleep(max(0.0, start - time.time()))
            k = n
            while time.time() < deadline:
                period = PERIODS[k % len(PERIODS)]
                k += 3
                answers.put(("pack", _download(page, base_url, period, Path(workdir) / f"pack-{n}.pdf")))
            b.close()
    except Exception as e:  # noqa: BLE001 - reported as this downloader's error
        answers.put(("pack_error", f"{type(e).__name__}: {e}"))
    finally:
        answers.put(("pack_done", n))


@dataclass
class Load:
    without_ms: list[float] = field(default_factory=list)
    with_ms: list[float] = field(default_factory=list)
    pack_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unfinished: int = 0  # packs still being made when the users stopped


def load(
    base_url: str,
    drill: list[dict],
    chromium: str,
    flags: list[str],
    workdir: Path,
    *,
    users: int = 30,
    downloaders: int = 3,
    seconds: float = 20,
    think: float = 1.0,
    seed: int = 1,
    progress=None,
) -> Load:
    """`users` people clicking drill-downs for `seconds`; then the same again while `downloaders` more people
    download packs one after another. The users' callback latencies in both runs, and the packs' times."""
    progress = progress or (lambda _m: None)
    out = Load()
    progress(f"{users} users without packs, {seconds:.0f} s")
    r = callbacks.concurrent(
        base_url,
        drill,
        users=users,
        seconds=seconds,
        think=think,
        seed=seed,
        headers=lambda n: user_headers(f"bench-user-{n}"),
    )
    out.without_ms, out.errors = r.latencies_ms, list(r.errors)
    progress(f"{users} users with {downloaders} downloading packs, {seconds:.0f} s")
    ctx = multiprocessing.get_context("spawn")  # Playwright's own threads do not survive a fork
    answers = ctx.Queue()
    # The downloaders' browsers start first; the clicking starts once their first pack is under way.
    start = time.time() + 8.0
    deadline = start + seconds
    procs = [
        ctx.Process(
            target=_downloader,
            args=(n, base_url, chromium, flags, str(workdir), start - 4.0, deadline, answers),
            daemon=True,
        )
        for n in range(downloaders)
    ]
    for p in procs:
        p.start()
    time.sleep(max(0.0, start - time.time()))
    r = callbacks.concurrent(
        base_url,
        drill,
        users=users,
        seconds=seconds,
        think=think,
        seed=seed + 1,
        headers=lambda n: user_headers(f"bench-user-{n}"),
    )
    out.with_ms = r.latencies_ms
    out.errors += [f"with packs: {e}" for e in r.errors]
    # A pack still being made when the users stop is not waited for (the step would grow by a pack's time):
    # its downloader is stopped and the pack counted as unfinished.
    done, give_up = 0, time.time() + 5
    while done < downloaders and time.time() < give_up:
        try:
            kind, value = answers.get(timeout=0.5)
        except queue.Empty:
            continue
        if kind == "pack":
            out.pack_seconds.append(value)
        elif kind == "pack_error":
            out.errors.append(f"pack download: {value}")
        elif kind == "pack_done":
            done += 1
    for p in procs:
        p.join(timeout=1)
        if p.is_alive():
            p.terminate()
            p.join(timeout=10)
            out.unfinished += 1
    return out


def load_results(r: Load, users: int, downloaders: int) -> dict:
    """The load step's numbers for the results file."""
    res: dict = {
        "load_users": users,
        "load_pack_downloaders": downloaders,
        "load_errors": len(r.errors),
        "load_packs_downloaded": len(r.pack_seconds),
        "load_packs_unfinished": r.unfinished,
    }
    if r.without_ms:
        res["load_p50_ms_without_packs"] = round(percentile(r.without_ms, 50), 1)
        res["load_p95_ms_without_packs"] = round(percentile(r.without_ms, 95), 1)
    if r.with_ms:
        res["load_p50_ms_with_packs"] = round(percentile(r.with_ms, 50), 1)
        res["load_p95_ms_with_packs"] = round(percentile(r.with_ms, 95), 1)
    if r.pack_seconds:
        res["load_pack_seconds_median"] = round(percentile(r.pack_seconds, 50), 1)
        res["load_pack_seconds_max"] = round(max(r.pack_seconds), 1)
    if r.errors:
        res["load_error_examples"] = sorted(set(r.errors))[:5]
    return res
