"""Callbacks posted straight to /_dash-update-component, replaying what the browser sent: one user, then
many."""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
from dataclasses import dataclass, field

import requests

from bench.browser import UPDATE_PATH
from dashboard.web import ids

CSRF_COOKIE = "_csrf_token"
REQUEST_TIMEOUT = 30


def new_session(base_url: str, headers: dict[str, str] | None = None) -> requests.Session:
    """A user's own browser session: it opens the scorecard first, as a browser would (cookies, CSRF). `headers`
    name the user to a server that signs people in from a proxy's headers."""
    s = requests.Session()
    s.headers.update(headers or {})
    s.get(base_url + "/", timeout=REQUEST_TIMEOUT).raise_for_status()
    return s


def post(session: requests.Session, base_url: str, entry: dict) -> tuple[float, str | None]:
    """Post one recorded callback; return (milliseconds, error or None). A drill must return the panel."""
    headers = dict(entry["headers"])
    token = session.cookies.get(CSRF_COOKIE)
    if token:
        headers["X-CSRFToken"] = token
    t = time.perf_counter()
    try:
        r = session.post(base_url + UPDATE_PATH, json=entry["body"], headers=headers, timeout=REQUEST_TIMEOUT)
        ms = (time.perf_counter() - t) * 1000
    except requests.RequestException as e:
        return (time.perf_counter() - t) * 1000, f"{type(e).__name__}: {e}"
    if r.status_code != 200:
        return ms, f"HTTP {r.status_code}"
    if entry["body"].get("output") == f"{ids.DRILL_PANEL}.children" and ids.DRILL_PANEL not in r.text:
        return ms, "the answer has no drill panel"
    return ms, None


@dataclass
class SingleUser:
    drill_ms: list[float]
    floor_ms: list[float]
    errors: list[str]


def single_user(
    base_url: str, drill: list[dict], floor: list[dict], *, calls: int = 200, warm_rounds: int = 3, progress=None
) -> SingleUser:
    """`calls` warm drill callbacks and `calls` warm floor callbacks, one at a time, interleaved so that both
    see the same machine (a busy moment slows both, not one)."""
    progress = progress or (lambda _msg: None)
    s = new_session(base_url)
    errors: list[str] = []
    # Warm: every recorded request several times, so that every cache entry exists and every worker process
    # has served both callbacks (the server's workers take requests in turn, unpredictably).
    for _ in range(warm_rounds):
        for entry in drill + floor:
            _ms, err = post(s, base_url, entry)
            if err:
                errors.append(f"warm-up: {err}")
    drill_ms, floor_ms = [], []
    for i in range(calls):
        for entries, out in ((drill, drill_ms), (floor, floor_ms)):
            ms, err = post(s, base_url, entries[i % len(entries)])
            if err:
                errors.append(err)
            else:
                out.append(ms)
        if (i + 1) % 50 == 0:
            progress(f"callbacks {i + 1}/{calls} of each")
    return SingleUser(drill_ms, floor_ms, errors)


@dataclass
class Concurrent:
    users: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def concurrent(
    base_url: str,
    drill: list[dict],
    *,
    users: int = 30,
    seconds: float = 60,
    think: float = 1.0,
    seed: int = 1,
    progress=None,
    headers=None,
) -> Concurrent:
    """`users` simulated people, each with its own session, each making drill callbacks with `think` seconds
    between an answer and the next click, for `seconds`. Bounded: every loop ends at the deadline.

    Each person is a process of their own, as each real person has a browser of their own: as threads of one
    Python process they would queue for its interpreter lock (handed over every 5 ms), and the wait of one
    user's answer behind another's bookkeeping would be counted as the server's time. `headers(n)`, when given,
    are user n's sign-on headers."""
    progress = progress or (lambda _msg: None)
    result = Concurrent(users, seconds)
    ctx = multiprocessing.get_context("fork")
    answers = ctx.Queue()
    start = time.time() + 2.0  # every process started and signed in before anyone clicks
    deadline = start + seconds
    procs = [
        ctx.Process(
            target=_user,
            args=(n, base_url, drill, start, deadline, think, seed, answers, headers(n) if headers else None),
            daemon=True,
        )
        for n in range(users)
    ]
    for proc in procs:
        proc.start()
    finished, next_report = 0, time.time() + 5
    give_up = deadline + REQUEST_TIMEOUT + think + 10
    while finished < users and time.time() < give_up:
        try:
            kind, value = answers.get(timeout=0.5)
        except queue.Empty:
            kind = None
        if kind == "ms":
            result.latencies_ms.append(value)
        elif kind == "error":
            result.errors.append(value)
        elif kind == "done":
            finished += 1
        if time.time() >= next_report and deadline > time.time():
            next_report += 5
            progress(
                f"{users} users: {len(result.latencies_ms) + len(result.errors)} callbacks, "
                f"{deadline - time.time():.0f} s left"
            )
    for proc in procs:
        proc.join(timeout=1)
        if proc.is_alive():
            proc.kill()
            result.errors.append("a simulated user did not finish in time")
    return result


def _user(
    n: int,
    base_url: str,
    drill: list[dict],
    start: float,
    deadline: float,
    think: float,
    seed: int,
    answers,
    headers: dict[str, str] | None = None,
) -> None:
    """One simulated person (in a process of its own): open the scorecard, then click until the deadline."""
    try:
        rng = random.Random(seed * 1000 + n)
        s = new_session(base_url, headers)
        # People do not all click at the same instant: each starts somewhere in the first think time.
        time.sleep(max(0.0, start - time.time()) + rng.uniform(0, think))
        k = n
        while time.time() < deadline:
            ms, err = post(s, base_url, drill[k % len(drill)])
            k += 1
            answers.put(("error", err) if err else ("ms", ms))
            time.sleep(think)
        s.close()
    except Exception as e:  # noqa: BLE001 - reported as this user's error, not lost in a child process
        answers.put(("error", f"{type(e).__name__}: {e}"))
    finally:
        answers.put(("done", n))
