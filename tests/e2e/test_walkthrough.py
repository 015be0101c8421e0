"""A board member and the Q&E subgroup walking the real dashboard in Chromium: scorecard, tiles, indicator pages,
domain pages with drill-down, exceptions, meeting mode, the board selector and the not-found page."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.reference.registry import registry
from tests.e2e.conftest import MEETING
from tests.e2e.helpers import (
    BOARDS,
    DOMAIN_PAGES,
    RAG_WORDS,
    area_name,
    chart_points,
    click_point,
    computed,
    graphs,
    period_label,
    settle,
    visit,
)

pytestmark = pytest.mark.e2e


def assert_named(page, name: str) -> None:
    """One h1, and a browser-tab title that names the page (so several open tabs can be told apart)."""
    assert page.locator("h1").count() == 1, page.locator("h1").all_inner_texts()
    assert page.inner_text("h1").strip()
    title = page.title()
    assert name.lower() in title.lower() and title.endswith(" - Safeguarding board dashboard"), title


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def headline_codes() -> set[str]:
    return {code for code, spec in registry().indicators.items() if spec.headline}


def tiles(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".rag-tile",
        """els => els.map(e => ({cls: e.className, rag: e.getAttribute('data-rag'),
                        code: e.getAttribute('data-indicator'), text: e.innerText, href: e.getAttribute('href'),
                        tag: e.tagName}))""",
    )


@pytest.mark.parametrize("board", BOARDS)
def test_board_member_goes_from_the_scorecard_to_a_tile_to_its_indicator_page(page, shoot, board):
    visit(page, f"/?board={board}")
    short = registry().boards[board].short_name
    assert page.inner_text("h1") == f"{short} scorecard"
    assert_named(page, "Scorecard")
    shoot(page, f"overview-{board}", doc="overview" if board == "havering" else None)

    found = tiles(page)
    # The tile contract: one tile per headline indicator, each with a status the eye and a screen reader can read.
    assert {t["code"] for t in found} == headline_codes()
    assert len(found) == len(headline_codes())
    for t in found:
        assert t["rag"] in RAG_WORDS, t
        assert RAG_WORDS[t["rag"]] in t["text"], f"tile {t['code']} does not say its status: {t['text']!r}"
        assert t["href"].startswith(f"/indicator/{t['code']}"), t
        assert f"board={board}" in t["href"], "a tile's link must keep the board being looked at"
    if board == "havering":
        assert {t["rag"] for t in found} & {"red", "amber", "green"}, "nothing on the scorecard is rated"
    else:  # most Tri-borough figures are per borough: a tile without a board total lists the boroughs' figures
        others = page.locator(".tile-others").all_inner_texts()
        assert any("Hammersmith & Fulham" in o for o in others), others

    # Open the worst-rated tile that has a figure, as a board member would.
    with_figure = [t for t in found if "No figure" not in t["text"]]
    worst = next(t for rag in ("red", "amber", "green", "none") for t in with_figure if t["rag"] == rag)
    page.click(f'.rag-tile[data-indicator="{worst["code"]}"]')
    page.wait_for_url(re.compile(rf"/indicator/{worst['code']}\?"))
    settle(page)
    spec = registry().indicators[worst["code"]]
    assert page.inner_text("h1") == spec.title
    assert_named(page, spec.title)
    assert query_of(page.url)["board"] == board
    assert page.locator("#indicator-content .ag-root").count() == 1, "the indicator page lists every figure"
    body = page.inner_text("#indicator-content")
    assert "How it is rated" in body and RAG_WORDS[worst["rag"]] in body
    assert page.locator("#indicator-content .js-plotly-plot").count() >= 1
    shoot(page, f"indicator-{board}-{worst['code']}")


def test_the_subgroup_reads_an_indicators_trend_and_whether_to_trust_it(page, shoot):
    """Assessments within 45 days in Havering: a trend over several years, and a figure two documents give
    differently, flagged beside it."""
    visit(page, "/indicator/assessments_within_45_days_pct?board=havering")
    spec = registry().indicators["assessments_within_45_days_pct"]
    assert page.inner_text("h1") == spec.title
    trend = page.locator("#indicator-content .js-plotly-plot").first
    years = {p["custom"][2] for p in chart_points(trend.element_handle())}
    assert len(years) >= 3, years
    flags = page.locator(".dq-flags").inner_text()
    assert "Data-quality flags" in flags and "gives" in flags, flags
    shoot(page, "indicator-havering-assessments", doc="indicator")


def test_a_tile_without_a_figure_says_so_and_is_not_rated(page):
    visit(page, "/?board=havering")
    empty = tiles(page)
    empty = [t for t in empty if "No figure" in t["text"]]
    assert empty, "the bundled dataset has headline indicators without a figure for Havering"
    for t in empty:
        assert t["rag"] == "none" and "Not rated" in t["text"]


# Tri-borough's documents give no care-leaver figures: that page shows an empty state instead (tested below).
DOMAIN_VIEWS = [(path, "havering") for path in DOMAIN_PAGES] + [
    (path, "triborough") for path in DOMAIN_PAGES if path != "/care-leavers"
]


@pytest.mark.parametrize(("path", "board"), DOMAIN_VIEWS)
def test_clicking_a_chart_point_fills_the_drill_panel(page, shoot, path, board):
    visit(page, f"{path}?board={board}")
    assert_named(page, next(d.title for d in registry().domains.values() if d.path == path))
    assert page.locator(".drill-panel").count() == 1
    charts = graphs(page)
    if board == "havering":  # the bundled Havering figures fill every domain page
        assert len(charts) >= 2, f"{path} shows {len(charts)} charts"
    assert charts, f"{path} for {board} shows no chart"
    before = page.inner_text(".drill-panel")
    assert "Click a point or a bar" in before

    # A trend point where the page has one (the last point of the last line: for Tri-borough, a borough or the
    # total), otherwise a bar.
    clickable = [(g, p) for g in charts for p in chart_points(g)]
    assert clickable, f"no chart on {path} has a point that can be clicked"
    graph, point = next(((g, p) for g, p in clickable if p["kind"] == "scatter"), clickable[0])
    same_chart = [p for g, p in clickable if g == graph and p["kind"] == point["kind"]]
    point = same_chart[-1]
    indicator, area, period = point["custom"]
    text = click_point(page, graph, point)
    assert text != before, f"clicking {point['custom']} on {path} did not change the drill panel"
    assert registry().indicators[indicator].title in text
    assert area_name(area) in text and period_label(period) in text, text
    link = page.locator(".drill-panel a.drill-link")
    assert link.get_attribute("href").startswith(f"/indicator/{indicator}?")
    shoot(page, f"domain-{board}{path}-drill")

    # Then a bar of a breakdown chart that carries something else, where the page has one.
    bars = [(g, p) for g, p in clickable if p["kind"] == "bar" and p["custom"] != point["custom"]]
    if bars:
        graph, bar = max(bars, key=lambda gp: gp[1]["h"])  # a bar a person can see to click, not a sliver
        previous = text
        text = click_point(page, graph, bar)
        indicator, area, period = bar["custom"]
        assert text != previous, f"clicking the bar {bar['custom']} on {path} did not change the drill panel"
        assert registry().indicators[indicator].title in text
        assert area_name(area) in text and period_label(period) in text, text
        shoot(
            page,
            f"domain-{board}{path}-drill-bar",
            doc="domain-drill" if (board, path) == ("havering", "/front-door") else None,
        )


def test_a_domain_page_without_figures_says_so(page):
    # Tri-borough's documents give no care-leaver figures and the official series start in 2020-21: a view of
    # 2019-20 has none.
    visit(page, "/care-leavers?board=triborough&period=2019-20")
    assert graphs(page) == []
    assert "No figures for this area" in page.inner_text(".empty-state")


def test_tri_borough_drill_lists_the_other_boroughs_side_by_side(page):
    visit(page, "/looked-after?board=triborough")
    boroughs = [a.name for a in registry().board_areas("triborough") if a.kind == "local_authority"]
    for graph in graphs(page):
        points = [p for p in chart_points(graph) if p["custom"][1] == "westminster"]
        if points:
            text = click_point(page, graph, points[-1])
            break
    else:
        pytest.fail("no chart on the Tri-borough looked-after page has a point for Westminster")
    assert "Other areas, same period" in text
    for name in boroughs:
        assert name in text, f"{name} missing from the drill panel: {text}"


def test_exceptions_grid_rows_open_their_indicator(page, shoot):
    visit(page, "/exceptions?board=havering")
    assert page.inner_text("h1") == "Exceptions: Havering LSCB"
    assert_named(page, "Exceptions")
    grid = page.locator("#exceptions-grid .ag-root")
    assert grid.count() == 1
    rows = page.locator("#exceptions-grid .ag-center-cols-container .ag-row")
    assert rows.count() >= 1
    summary = page.inner_text(".summary")
    assert re.match(r"\d+ red and \d+ amber indicators? for Havering\.", summary), summary
    statuses = page.locator('#exceptions-grid .ag-row [col-id="status"]').all_inner_texts()
    assert statuses and all(("Red" in s or "Amber" in s) for s in statuses), statuses
    shoot(page, "exceptions-havering", doc="exceptions")

    links = page.locator('#exceptions-grid .ag-row [col-id="indicator"] a')
    assert links.count() == rows.count()
    for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert re.match(r"^/indicator/[a-z0-9_]+\?board=havering", href), href
    first = links.first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/indicator/"))
    settle(page)
    assert page.inner_text("h1") == title


def test_meeting_mode_from_the_header_link_and_back(page, shoot):
    page.set_viewport_size(MEETING)
    visit(page, "/?board=havering")
    normal_title = float(computed(page, ".tile-title", "font-size").removesuffix("px"))
    normal_number = float(computed(page, ".tile-value", "font-size").removesuffix("px"))
    link = page.locator("#meeting-link")
    assert link.inner_text() == "Meeting mode"
    link.click()
    page.wait_for_url(re.compile(r"meeting=1"))
    settle(page)
    assert "meeting" in (page.get_attribute("#shell", "class") or "")
    assert query_of(page.url)["board"] == "havering"
    assert float(computed(page, ".tile-title", "font-size").removesuffix("px")) >= normal_title * 1.2
    assert float(computed(page, ".tile-value", "font-size").removesuffix("px")) >= normal_number * 1.2
    assert not page.locator(".app-footer").is_visible(), "meeting mode shows the scorecard, not the footer"
    # Nav links keep meeting mode, so the board can move between pages on the projector.
    assert all(
        "meeting=1" in (h or "")
        for h in page.eval_on_selector_all("#main-nav a", "els => els.map(e => e.getAttribute('href'))")
    )
    shoot(page, "meeting-mode-overview", doc="meeting-mode")

    page.locator("#meeting-link").click()
    page.wait_for_url(lambda url: "meeting=1" not in url)
    settle(page)
    assert "meeting" not in (page.get_attribute("#shell", "class") or "")
    assert float(computed(page, ".tile-title", "font-size").removesuffix("px")) == normal_title


@pytest.mark.parametrize(
    "path", ["/child-protection?board=triborough&meeting=1", "/exceptions?board=havering&meeting=1"]
)
def test_meeting_mode_from_the_url_is_large_and_high_contrast(page, shoot, path):
    page.set_viewport_size(MEETING)
    visit(page, path)
    assert "meeting" in (page.get_attribute("#shell", "class") or "")
    assert page.inner_text("#meeting-link") == "Leave meeting mode"
    assert float(computed(page, "#main", "font-size").removesuffix("px")) >= 18
    assert float(computed(page, "h1", "font-size").removesuffix("px")) >= 36
    shoot(page, "meeting-mode" + urlsplit(path).path.replace("/", "-"))


def test_choosing_another_board_changes_the_url_and_the_scorecard(page):
    visit(page, "/?board=havering")
    havering = page.inner_text("#scorecard")
    page.select_option("#filter-board", "triborough")
    page.wait_for_url(re.compile(r"board=triborough"))
    settle(page)
    query = query_of(page.url)
    assert query["board"] == "triborough" and query["area"] == "triborough", "a new board starts at its total"
    assert page.inner_text("h1") == "Tri-borough LSCB scorecard"
    areas = page.eval_on_selector_all("#filter-area option", "els => els.map(e => e.textContent)")
    assert "Westminster" in areas and "Havering" not in areas
    assert page.inner_text("#scorecard") != havering, "the scorecard still shows Havering's figures"
    assert len(tiles(page)) == len(headline_codes())

    # Choosing a borough narrows the scorecard; the URL is the bookmark.
    page.select_option("#filter-area", "westminster")
    page.wait_for_url(re.compile(r"area=westminster"))
    settle(page)
    bookmark = page.url
    shown = page.inner_text("#scorecard")
    page.goto("about:blank")
    page.goto(bookmark)
    settle(page)
    assert page.input_value("#filter-board") == "triborough"
    assert page.input_value("#filter-area") == "westminster"
    assert page.inner_text("#scorecard") == shown


def test_choosing_a_period_shows_figures_up_to_that_year(page):
    visit(page, "/?board=havering")
    options = page.eval_on_selector_all("#filter-period option:not([disabled])", "els => els.map(e => e.value)")
    assert options[0] == "latest" and "2014-15" in options
    page.select_option("#filter-period", "2014-15")
    page.wait_for_url(re.compile(r"period=2014-15"))
    settle(page)
    periods = page.locator(".tile-period").all_inner_texts()
    assert periods and not any(p.endswith(("2015-16", "2016-17", "2017-18")) for p in periods), periods


def test_an_unknown_indicator_gets_a_useful_not_found_page(page, shoot):
    visit(page, "/indicator/contactz?board=havering")
    assert page.inner_text("h1") == "Indicator not found"
    assert_named(page, "Indicator not found")
    body = page.inner_text("main")
    assert "contactz" in body and "Did you mean" in body
    suggestion = page.locator("main a", has_text=registry().indicators["contacts"].title)
    assert suggestion.count() == 1
    shoot(page, "not-found-indicator")
    suggestion.click()
    page.wait_for_url(re.compile(r"/indicator/contacts"))
    settle(page)
    assert page.inner_text("h1") == registry().indicators["contacts"].title


def test_an_unknown_page_gets_a_not_found_page(page):
    visit(page, "/no-such-page")
    assert page.inner_text("h1") == "Page not found"
    assert page.locator("main a[href='/']").count() >= 1
    assert_named(page, "Page not found")


def test_about_the_data_lists_every_indicator_with_a_link(page, shoot):
    visit(page, "/about")
    assert_named(page, "About the data")
    hrefs = set(page.eval_on_selector_all("main a[href^='/indicator/']", "els => els.map(e => e.getAttribute('href'))"))
    assert hrefs == {f"/indicator/{code}" for code in registry().indicators}
    shoot(page, "about")


def callback_outputs(page) -> list[str]:
    """The output of every callback the page posts, as it posts it."""
    posted: list[str] = []

    def on_request(request):
        if "_dash-update-component" in request.url:
            posted.append(json.loads(request.post_data or "{}").get("output", ""))

    page.on("request", on_request)
    return posted


@pytest.mark.parametrize(
    "path,content",
    [
        ("/", "scorecard.children"),
        ("/?board=havering", "scorecard.children"),
        ("/exceptions", "exceptions-grid.rowData"),
    ],
)
def test_a_first_visit_draws_the_page_once(page, path, content):
    """Opening a page asks the server for its content once: no second round because the address was rewritten."""
    posted = callback_outputs(page)
    visit(page, path)
    page.wait_for_timeout(500)  # anything the first round set off
    assert sum(content in o for o in posted) == 1, posted
    assert sum("_pages_content" in o for o in posted) == 1, posted
