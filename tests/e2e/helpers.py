"""What the end-to-end tests do to a page: wait for Dash, find and click chart points, read styles."""

from __future__ import annotations

import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.reference.registry import registry
from data_access.periods import parse_period

DOMAIN_PAGES = ["/front-door", "/child-protection", "/looked-after", "/care-leavers", "/training"]
BOARDS = ["havering", "triborough"]
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "none": "Not rated"}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def watch_network(page) -> None:
    """Count the page's requests in flight, so `settle` can tell when Dash has finished its callbacks (an update
    inside a page is not a navigation, so Playwright's own 'networkidle' does not see it)."""
    state = {"inflight": 0, "last": time.monotonic()}

    def started(_request) -> None:
        state["inflight"] += 1
        state["last"] = time.monotonic()

    def ended(_request) -> None:
        state["inflight"] = max(0, state["inflight"] - 1)
        state["last"] = time.monotonic()

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    page.network_state = state


def settle(page, timeout: float = 20.0, quiet: float = 0.35) -> None:
    """Wait until Dash has drawn the page: no request in flight for `quiet` seconds and nothing still loading."""
    state = page.network_state
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the page's events
        if state["inflight"] or time.monotonic() - state["last"] < quiet:
            continue
        if page.evaluate("""() => document.querySelector('#_pages_content') !== null
                 && document.querySelector('[data-dash-is-loading="true"]') === null"""):
            return
    raise AssertionError(f"the page at {page.url} was still loading after {timeout:.0f} s")


def visit(page, path: str) -> None:
    """Open a path on the test server and wait for Dash to draw it."""
    page.goto(page.base + path)
    settle(page)


def area_name(code: str) -> str:
    return registry().areas[code].name


def period_label(code: str) -> str:
    return parse_period(code).label


# Every drawn point of a plotly graph with its screen position and the [indicator, area, period] it carries.
_POINTS_JS = """(graph) => {
  const out = [];
  graph.querySelectorAll('.scatterlayer .trace .points path.point, .barlayer .trace .points .point')
    .forEach(el => {
      const d = el.__data__, tr = el.closest('.trace'), cd = tr && tr.__data__;
      const trace = cd && cd[0] && cd[0].trace;
      if (!d || !trace || !trace.customdata) return;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      out.push({x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height,
                kind: trace.type, custom: trace.customdata[d.i], name: trace.name});
    });
  return out;
}"""


def chart_points(graph) -> list[dict]:
    """Points (scatter) and bars of one `.js-plotly-plot` element that carry drill-down data."""
    return [p for p in graph.evaluate(_POINTS_JS) if p["custom"] and all(p["custom"])]


def graphs(page) -> list:
    return page.query_selector_all(".chart-card .js-plotly-plot")


def click_point(page, graph, point: dict, panel: str = "#drill-panel", tries: int = 3) -> str:
    """Click one chart point as a person would (hover, then click), and return the drill panel's new text.
    Plotly reads a click from its hover state, so the pointer moves onto the point first; a click that lands
    while the chart is still redrawing is retried."""
    before = page.inner_text(panel)
    for attempt in range(tries):
        graph.scroll_into_view_if_needed()
        # The page may have scrolled: find the point again by what it carries.
        fresh = [p for p in chart_points(graph) if p["custom"] == point["custom"] and p["name"] == point["name"]]
        target = fresh[0] if fresh else point
        x, y = target["x"], target["y"] + (min(target["h"] / 4, 4) if target["kind"] == "bar" else 0)
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y)
        time.sleep(0.15 * (attempt + 1))
        page.mouse.click(x, y)
        try:
            page.wait_for_function(
                "([sel, before]) => document.querySelector(sel).innerText !== before",
                arg=[panel, before],
                timeout=4_000,
            )
            settle(page)
            # Off the chart, so that its hover label does not cover what a screenshot should show.
            page.mouse.move(4, page.viewport_size["height"] - 4)
            return page.inner_text(panel)
        except PlaywrightTimeout:  # retried; the caller asserts on what it got
            continue
    return page.inner_text(panel)


def computed(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, "(el, p) => getComputedStyle(el).getPropertyValue(p)", prop)


def sign_in(browser, console, url: str, user: str, password: str, viewport: dict):
    """A new browser context signed in as `user` (AUTH_MODE=password); returns (context, page) on the scorecard."""
    ctx = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="Europe/London", accept_downloads=True)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    console.attach(page)
    watch_network(page)
    page.base = url  # type: ignore[attr-defined]
    page.goto(url + "/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/")
    settle(page)
    return ctx, page


# WCAG 2.0, 2.1 and 2.2, levels A and AA: what a public body must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Rules switched off, each with the reason written down. None is: the suite must pass with every rule on.
DISABLED_RULES: dict[str, str] = {}


def axe_violations(axe, page) -> list[dict]:
    """Every WCAG A/AA violation axe-core finds on the page as it is now, whatever its impact."""
    options = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": WCAG_TAGS}}
    if DISABLED_RULES:
        options["rules"] = {rule: {"enabled": False} for rule in DISABLED_RULES}
    return axe.run(page, options=options).response["violations"]


def open_first_drill_point(page) -> str:
    """Open the first chart's table and press its first figure's button from the keyboard; return the drill
    panel's new text."""
    before = page.inner_text("#drill-panel")
    summary = page.locator(".chart-table summary").first
    summary.focus()
    page.keyboard.press("Enter")
    button = page.locator(".chart-table[open] .drill-point").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel).innerText !== before",
        arg=["#drill-panel", before],
        timeout=15_000,
    )
    settle(page)
    return page.inner_text("#drill-panel")
