"""What a person waits for, timed in headless Chromium: the scorecard's first full draw, and a drill click.

While the browser works, every callback it posts to /_dash-update-component is recorded, so that the callback
benchmarks can replay exactly what a browser sends.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dashboard.web import ids

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
DRILL_PAGE = "/child-protection"
# The drill page as each board sees it: together they have more than 30 different points.
DRILL_VIEWS = (DRILL_PAGE, DRILL_PAGE + "?board=triborough")
UPDATE_PATH = "/_dash-update-component"
DRILL_OUTPUT = f"{ids.DRILL_PANEL}.children"
FLOOR_OUTPUT = f"{ids.SHELL}.className"  # callbacks/shell.py update_shell: the cheapest callback of the app

# Tiles drawn: the time since navigation start (performance.now()) once `n` tiles are in the scorecard.
_TILES_DRAWN = f"""(n) => document.querySelectorAll('#{ids.SCORECARD} .rag-tile').length >= n
    && document.querySelector('#{ids.SCORECARD} [data-dash-is-loading="true"]') === null
    ? performance.now() : false"""
_TILE_COUNT = f"() => document.querySelectorAll('#{ids.SCORECARD} .rag-tile').length"
_PAGE_IDLE = """() => document.querySelector('#_pages_content') !== null
    && document.querySelector('[data-dash-is-loading="true"]') === null"""
# Every drawn point and bar that carries [indicator, area, period], with its chart and screen position.
_POINTS = """() => {
  const out = [];
  document.querySelectorAll('.chart-card .js-plotly-plot').forEach((graph, g) => {
    const marks = graph.querySelectorAll(
      '.scatterlayer .trace .points path.point, .barlayer .trace .points .point');
    marks.forEach(el => {
      const d = el.__data__, tr = el.closest('.trace'), cd = tr && tr.__data__;
      const trace = cd && cd[0] && cd[0].trace;
      if (!d || !trace || !trace.customdata) return;
      const custom = trace.customdata[d.i];
      if (!custom || custom.length !== 3 || !custom.every(Boolean)) return;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      const dy = trace.type === 'bar' ? Math.min(r.height / 4, 4) : r.height / 2;  // inside a bar's top
      out.push({graph: g, custom: custom, trace: trace.name || '', kind: trace.type,
                x: r.x + r.width / 2, y: r.y + dy});
    });
  });
  return out;
}"""
# The press itself is the start of a drill: taken in the page, so no round trip to the driver is counted.
_WATCH_PRESS = (
    "() => { window.__benchPress = null; window.addEventListener('mousedown', "
    "() => { window.__benchPress = performance.now(); }, {capture: true}); }"
)
_PANEL_CHANGED = f"""(before) => {{
  const el = document.getElementById('{ids.DRILL_PANEL}');
  return el && el.innerText !== before && window.__benchPress !== null
      ? performance.now() - window.__benchPress : false;
}}"""


@dataclass
class Recorded:
    """Callback requests the browser made: the body, and the headers a replay needs."""

    drill: list[dict] = field(default_factory=list)
    floor: list[dict] = field(default_factory=list)


@dataclass
class BrowserResult:
    overview_ms: list[float]
    tiles: int
    drill_ms: list[float]
    drill_misses: int
    recorded: Recorded
    console_errors: list[str]


def run(base_url: str, *, loads: int = 5, clicks: int = 30, seed: int = 1, progress=None) -> BrowserResult:
    """Time `loads` warm loads of the scorecard and `clicks` drill-down clicks over different chart points."""
    from playwright.sync_api import sync_playwright

    progress = progress or (lambda _msg: None)
    requests_seen: list = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on(
                "request",
                lambda r: (
                    requests_seen.append(r) if r.method == "POST" and urlsplit(r.url).path == UPDATE_PATH else None
                ),
            )
            overview_ms, tiles = _overview(page, base_url, loads, progress)
            drill_ms, misses = _drill(page, base_url, clicks, seed, progress)
            recorded = _recorded(requests_seen)
        finally:
            browser.close()
    return BrowserResult(overview_ms, tiles, drill_ms, misses, recorded, errors)


def _overview(page, base_url: str, loads: int, progress) -> tuple[list[float], int]:
    # The first load warms the server's cache and the browser's: it is not timed. It also says how many tiles
    # "every tile" is: the count once the page has been idle for a while.
    page.goto(base_url + "/")
    page.wait_for_function(_TILES_DRAWN, arg=1, polling="raf")
    _idle(page)
    tiles = page.evaluate(_TILE_COUNT)
    times = []
    for i in range(loads):
        page.goto(base_url + "/", wait_until="commit")
        drawn = page.wait_for_function(_TILES_DRAWN, arg=tiles, polling="raf").json_value()
        times.append(float(drawn))
        progress(f"overview load {i + 1}/{loads}: {drawn:.0f} ms")
        _idle(page)
    return times, tiles


def _idle(page, quiet_ms: int = 500) -> None:
    """Wait until Dash has no callback in flight and nothing is loading."""
    page.wait_for_function(_PAGE_IDLE, polling=100)
    page.wait_for_timeout(quiet_ms)
    page.wait_for_function(_PAGE_IDLE, polling=100)


def _drill(page, base_url: str, clicks: int, seed: int, progress) -> tuple[list[float], int]:
    """Clicks shared between the boards' views of the drill page (one board alone has fewer points)."""
    available = {
        view: len(_choose_points(_open_drill_page(page, base_url + view), clicks, seed)) for view in DRILL_VIEWS
    }
    quota = _share(clicks, available)
    if sum(quota.values()) < clicks:
        progress(f"only {sum(quota.values())} different chart points on {DRILL_PAGE}; clicking each once")
    times, misses, n = [], 0, 0
    for view, k in quota.items():
        if not k:
            continue
        chosen = _choose_points(_open_drill_page(page, base_url + view), k, seed)
        for want in chosen:
            n += 1
            ms = _click(page, want)
            if ms is None:
                misses += 1
            else:
                times.append(ms)
            if n % 10 == 0:
                progress(f"drill clicks {n}/{sum(quota.values())}")
    return times, misses


def _open_drill_page(page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_selector(".chart-card .js-plotly-plot .point")
    _idle(page)
    page.evaluate(_WATCH_PRESS)
    return page.evaluate(_POINTS)


def _share(clicks: int, available: dict[str, int]) -> dict[str, int]:
    """Split the clicks evenly between the views, giving what one view lacks to the others."""
    quota = dict.fromkeys(available, 0)
    left = clicks
    while left:
        open_views = [v for v in available if quota[v] < available[v]]
        if not open_views:
            break
        for v in open_views:
            if left:
                quota[v] += 1
                left -= 1
    return quota


def _choose_points(points: list[dict], clicks: int, seed: int) -> list[dict]:
    """Different points, taken in turn from every chart, in a seeded order: a spread over the page."""
    by_graph: dict[int, list[dict]] = {}
    seen = set()
    for p in points:
        key = tuple(p["custom"])
        if key not in seen:
            seen.add(key)
            by_graph.setdefault(p["graph"], []).append(p)
    rng = random.Random(seed)
    for pts in by_graph.values():
        rng.shuffle(pts)
    out: list[dict] = []
    while len(out) < clicks and any(by_graph.values()):
        for g in sorted(by_graph):
            if by_graph[g] and len(out) < clicks:
                out.append(by_graph[g].pop())
    return out


def _click(page, want: dict, tries: int = 3) -> float | None:
    """Press on a point as a person would (hover first: plotly reads clicks from its hover state) and return
    the milliseconds from the press until the drill panel shows something new; None if it never changed."""
    for attempt in range(tries):
        graph = page.locator(".chart-card .js-plotly-plot").nth(want["graph"])
        graph.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        fresh = [
            p
            for p in page.evaluate(_POINTS)
            if (p["graph"], p["custom"], p["trace"]) == (want["graph"], want["custom"], want["trace"])
        ]
        if not fresh:
            return None
        x, y = fresh[0]["x"], fresh[0]["y"]
        page.mouse.move(x - 4, y - 4)
        page.mouse.move(x, y)
        page.wait_for_timeout(120 * (attempt + 1))
        before = page.inner_text(f"#{ids.DRILL_PANEL}")
        page.evaluate("() => { window.__benchPress = null; }")
        page.mouse.click(x, y)
        try:
            ms = page.wait_for_function(_PANEL_CHANGED, arg=before, polling="raf", timeout=10_000).json_value()
        except Exception:  # noqa: BLE001 - a click plotly did not take (chart still redrawing): try again
            continue
        _idle(page, quiet_ms=150)
        return float(ms)
    return None


def _recorded(requests_seen: list) -> Recorded:
    """The drill and floor callbacks among the recorded requests, kept only where the server answered 200."""
    out = Recorded()
    seen: set[str] = set()
    for r in requests_seen:
        try:
            response = r.response()
        except Exception:  # noqa: BLE001 - a request the page abandoned on navigation
            continue
        if response is None or response.status != 200 or not r.post_data:
            continue
        body = json.loads(r.post_data)
        output = body.get("output", "")
        entry = {
            "body": body,
            "headers": {k: v for k, v in r.headers.items() if k.lower() in ("content-type", "accept", "x-csrftoken")},
        }
        if output == DRILL_OUTPUT:
            key = json.dumps(body.get("changedPropIds")) + json.dumps(_triggered_point(body))
            if key not in seen:
                seen.add(key)
                out.drill.append(entry)
        elif FLOOR_OUTPUT in output:
            out.floor.append(entry)
    return out


def _triggered_point(body: dict):
    """The clickData of the chart that fired (Dash names it in changedPropIds by its stringified id)."""
    changed = set(body.get("changedPropIds") or [])
    for group in body.get("inputs", []):
        for item in group if isinstance(group, list) else [group]:
            cid = item.get("id")
            name = cid if isinstance(cid, str) else json.dumps(cid, separators=(",", ":"), sort_keys=True)
            if f"{name}.{item.get('property', '')}" in changed:
                return item.get("value")
    return None
