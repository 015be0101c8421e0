"""The dashboard's callbacks called directly as plain functions against a real database loaded with the bundled
dataset (SQLite, and PostgreSQL when configured): what each one hands back is what a board member would see."""

from __future__ import annotations

from contextvars import copy_context
from urllib.parse import parse_qs

import dash
import pytest
from dash import dcc, html
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from callbacks import domain, exceptions, filters, indicator, overview, shell
from dashboard.reference.registry import registry
from layouts import PageError, register_page
from layouts.shell import nav_pages

HAVERING = {"board": "havering", "area": "havering", "period": "latest", "meeting": False}
TRIBOROUGH = {"board": "triborough", "area": "triborough", "period": "latest", "meeting": False}


def walk(node):
    """Every component (and string) in a callback's output, depth first."""
    if isinstance(node, list | tuple):
        for n in node:
            yield from walk(n)
        return
    yield node
    children = getattr(node, "children", None)
    if children is not None:
        yield from walk(children)


def text(node) -> str:
    return " ".join(str(n) for n in walk(node) if isinstance(n, str | int | float))


def with_class(node, cls: str) -> list:
    return [n for n in walk(node) if cls in (getattr(n, "className", None) or "").split()]


def prop(component, name: str):
    return component.to_plotly_json()["props"].get(name)


def query(search: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(search.lstrip("?")).items()}


def headline_codes() -> set[str]:
    return {c for c, spec in registry().indicators.items() if spec.headline}


# --- the scorecard ---------------------------------------------------------------------------------------------


def test_the_scorecard_has_a_tile_per_headline_indicator_rated_as_the_documents_show(loaded_db):
    tiles = with_class(overview.draw_scorecard(HAVERING), "rag-tile")
    rags = {prop(t, "data-indicator"): prop(t, "data-rag") for t in tiles}
    assert set(rags) == headline_codes() and len(tiles) == len(rags)
    # Havering 2014-15: 95% of referrals led to an assessment against a target of 85%; police attended 44% of
    # initial conferences against 100%; 11.6% placed far away against at most 10% (amber band).
    assert rags["referrals_to_assessment_pct"] == "green"
    assert rags["police_attendance_icpc_pct"] == "red"
    assert rags["cla_placed_out_of_borough_20_miles_pct"] == "amber"
    assert rags["contacts"] == "none"  # demand is shown, not rated
    for t in tiles:
        word = {"red": "Red", "amber": "Amber", "green": "Green", "none": "Not rated"}[prop(t, "data-rag")]
        assert word in text(t), text(t)
        assert prop(t, "href").startswith(f"/indicator/{prop(t, 'data-indicator')}?board=havering")


def test_the_scorecard_keeps_the_board_in_every_tile_link(loaded_db):
    tiles = with_class(overview.draw_scorecard(TRIBOROUGH), "rag-tile")
    assert tiles and all("board=triborough" in prop(t, "href") for t in tiles)
    # No Tri-borough total for most measures: the tile lists the boroughs' figures instead.
    assert "Hammersmith & Fulham" in " ".join(text(t) for t in with_class(tiles, "tile-others"))


def test_a_period_before_any_figure_shows_an_empty_state_with_a_way_back(loaded_db):
    out = overview.draw_scorecard({**HAVERING, "period": "2005-06"})
    assert not with_class(out, "rag-tile")
    assert "No figures for this view" in text(out)
    links = [n for n in walk(out) if isinstance(n, html.A)]
    assert links and "period" not in prop(links[0], "href")


# --- the selectors and the shell -------------------------------------------------------------------------------


def test_choosing_another_board_starts_at_its_total_and_keeps_meeting_mode(loaded_db):
    new = filters.on_filter_change("triborough", "havering", "latest", "?board=havering&area=havering&meeting=1")
    assert query(new) == {"board": "triborough", "area": "triborough", "meeting": "1"}


def test_choosing_an_area_and_a_period_writes_them_into_the_url(loaded_db):
    new = filters.on_filter_change("triborough", "westminster", "2015-16", "?board=triborough&area=triborough")
    assert query(new) == {"board": "triborough", "area": "westminster", "period": "2015-16"}


def test_an_area_of_another_board_falls_back_to_the_boards_default(loaded_db):
    new = filters.on_filter_change("havering", "westminster", "latest", "?board=havering&area=havering&period=2014-15")
    assert query(new) == {"board": "havering", "area": "havering"}


def test_the_same_view_does_not_rewrite_the_url(loaded_db):
    with pytest.raises(PreventUpdate):
        filters.on_filter_change("havering", "havering", "latest", "?board=havering&area=havering")


@pytest.mark.parametrize("search", ["", None, "?board=havering", "?period=latest&board=havering"])
def test_the_default_view_spelled_another_way_does_not_rewrite_the_url(loaded_db, search):
    """A first visit to / draws the selectors with the default view: writing it out in the address would draw
    the page twice."""
    with pytest.raises(PreventUpdate):
        filters.on_filter_change("havering", "havering", "latest", search)


def test_period_options_are_the_years_with_figures_newest_first(loaded_db):
    options, as_of = filters.period_options(HAVERING)
    values = [o["value"] for o in options]
    assert values[0] == "latest"
    years = values[1:]
    assert "2014-15" in years and years == sorted(years, reverse=True)
    assert any(o["label"].startswith("2014-15 (to 31 Mar 2015)") for o in options)
    assert "figures" in as_of and "Data updated" in as_of


def test_a_bookmarked_period_without_figures_stays_selectable(loaded_db):
    options, _ = filters.period_options({**HAVERING, "period": "2005-06"})
    assert options[-1]["value"] == "2005-06"


@pytest.fixture
def app(loaded_db):
    """The app as the server builds it: its pages registered, so the navigation exists."""
    from dashboard.web.app import create_app

    return create_app(loaded_db)


def test_meeting_mode_follows_the_url_and_nav_links_keep_the_view(app):
    cls, toggle, label, hrefs, classes = shell.update_shell(
        "?board=triborough&area=westminster&meeting=1", "/front-door"
    )
    assert cls == "meeting" and label == "Leave meeting mode"
    assert toggle == "/front-door?board=triborough&area=westminster"
    assert all(h.endswith("?board=triborough&area=westminster&meeting=1") for h in hrefs)
    active = [h for h, c in zip(hrefs, classes, strict=True) if "active" in c]
    assert active == ["/front-door?board=triborough&area=westminster&meeting=1"]

    cls, toggle, label, _hrefs, _classes = shell.update_shell("", "/")
    assert cls == "" and label == "Meeting mode" and query(toggle.split("?", 1)[1])["meeting"] == "1"


def test_the_navigation_lists_the_pages_in_order_with_their_short_names(app):
    nav = [(p.label, p.path) for p in nav_pages()]
    assert nav == [
        ("Scorecard", "/"),
        ("Front door", "/front-door"),
        ("Child protection", "/child-protection"),
        ("Looked after", "/looked-after"),
        ("Care leavers", "/care-leavers"),
        ("Training", "/training"),
        ("Board business", "/board-business"),
        ("Exceptions", "/exceptions"),
        ("Challenges", "/challenges"),
    ]
    _cls, _toggle, _label, hrefs, _classes = shell.update_shell("?board=havering&area=havering", "/")
    assert [h.split("?")[0] for h in hrefs] == [path for _label, path in nav]


@pytest.mark.parametrize(
    "meta, message",
    [
        ({"name": "", "path": "/somewhere"}, "page 'extra': a page needs a name"),
        ({"name": "Extra", "path": None}, "page 'extra': a page needs an address starting with '/'"),
        ({"name": "Extra", "path": "somewhere"}, "page 'extra': a page needs an address starting with '/'"),
        ({"name": "Extra", "path": "/front-door"}, "'/front-door' is already the address of page 'domain_front_door'"),
        ({"name": "Extra", "path": "/somewhere", "nav": "extra", "nav_label": " "}, "needs a label"),
    ],
)
def test_a_page_with_wrong_metadata_is_refused_with_a_message_naming_it(app, meta, message):
    before = list(dash.page_registry)
    with pytest.raises(PageError, match=message):
        register_page("extra", order=99, layout=lambda **_q: html.Div(), **meta)
    assert list(dash.page_registry) == before, "nothing is registered"


# --- domain pages and the drill panel --------------------------------------------------------------------------


def graphs(out) -> list[dcc.Graph]:
    return [n for n in walk(out) if isinstance(n, dcc.Graph)]


def test_a_domain_page_draws_charts_whose_points_carry_what_to_drill_into(loaded_db):
    charts = graphs(domain.draw_domain(HAVERING, "front_door"))
    assert len(charts) >= 2
    front_door = {c for c, spec in registry().indicators.items() if spec.domain == "front_door"}
    for g in charts:
        assert g.id["indicator"] in front_door
        points = [cd for trace in g.figure.data for cd in (trace.customdata or []) if cd is not None]
        assert points, f"chart {g.id} has no drill data"
        for ind, area, period in points:
            assert ind == g.id["indicator"] and area in registry().areas and period


def test_meeting_mode_draws_the_charts_in_larger_type(loaded_db):
    normal = graphs(domain.draw_domain(HAVERING, "front_door"))
    meeting = graphs(domain.draw_domain({**HAVERING, "meeting": True}, "front_door"))
    assert [g.id for g in meeting] == [g.id for g in normal]
    for n, m in zip(normal, meeting, strict=True):
        assert m.figure.layout.font.size >= 1.25 * n.figure.layout.font.size
        assert m.figure.layout.title.font.size > n.figure.layout.title.font.size
        assert m.figure.layout.height > n.figure.layout.height


def test_the_child_protection_page_shows_the_police_partnership_measures(loaded_db):
    shown = {g.id["indicator"] for g in graphs(domain.draw_domain(HAVERING, "child_protection"))}
    assert "police_attendance_icpc_pct" in shown and "cp_plans" in shown


def test_a_domain_without_figures_for_the_board_says_so(loaded_db):
    out = domain.draw_domain(TRIBOROUGH, "care_leavers")
    assert not graphs(out) and "No figures yet" in text(out)


def click(point_customdata, data: dict):
    """Call the drill callback as Dash would after a click on a point carrying this customdata."""
    prop_id = '{"dimension":"","indicator":"x","type":"chart"}.clickData'
    value = {"points": [{"customdata": point_customdata}]} if point_customdata is not None else None

    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": value}]))
        return domain.drill(None, data)

    return copy_context().run(run)


def test_the_drill_for_a_tri_borough_point_lists_the_other_boroughs(loaded_db):
    out = click(["children_looked_after", "westminster", "2016-03-31"], TRIBOROUGH)
    body = text(out)
    assert "Children looked after" in body and "Westminster, 31 Mar 2016" in body
    assert "Other areas, same period" in body
    for borough in ("Hammersmith & Fulham", "Kensington & Chelsea", "Tri-borough total"):
        assert borough in body
    assert "Tri-borough LSCB report 2015-16, line" in body  # every figure names its source
    link = [n for n in walk(out) if isinstance(n, html.A)][-1]
    assert prop(link, "href") == "/indicator/children_looked_after?board=triborough&area=westminster"


def test_the_drill_for_a_breakdown_lists_its_parts(loaded_db):
    charts = graphs(domain.draw_domain(HAVERING, "front_door"))
    bars = [cd for g in charts if g.id["dimension"] for t in g.figure.data for cd in t.customdata if cd]
    assert bars
    body = text(click(bars[-1], HAVERING))
    assert "By " in body and "Source" in body


@pytest.mark.parametrize(
    "customdata",
    [
        None,
        ["children_looked_after", "westminster"],
        ["no_such_indicator", "westminster", "2016-03-31"],
        ["children_looked_after", "atlantis", "2016-03-31"],
    ],
)
def test_the_drill_ignores_a_click_that_carries_nothing_it_knows(loaded_db, customdata):
    with pytest.raises(PreventUpdate):
        click(customdata, TRIBOROUGH)


# --- indicator and exceptions ----------------------------------------------------------------------------------


def test_the_indicator_page_shows_the_rating_rule_and_every_figure(loaded_db):
    out = indicator.draw_indicator(HAVERING, "/indicator/referrals_to_assessment_pct")
    body = text(out)
    assert "How it is rated" in body and "at least 85%" in body
    grid = next(n for n in walk(out) if getattr(n, "id", None) == "indicator-grid")
    rows = grid.rowData
    assert rows and {"Havering"} <= {r["area"] for r in rows}
    assert all(r["document"] for r in rows)


def test_an_unknown_indicator_is_refused(loaded_db):
    with pytest.raises(PreventUpdate):
        indicator.draw_indicator(HAVERING, "/indicator/no_such_indicator")


def test_exceptions_list_red_then_amber_with_a_link_to_each_indicator(loaded_db):
    rows, summary, columns = exceptions.draw_exceptions(HAVERING, False)
    assert [c["field"] for c in columns if c.get("hide")] == ["reason"], "nothing to say why: the column is hidden"
    statuses = [r["status"].split()[-1] for r in rows]
    assert statuses and set(statuses) <= {"Red", "Amber"}
    assert statuses == sorted(statuses, key=lambda s: s != "Red"), "worst first"
    assert summary == f"{statuses.count('Red')} red and {statuses.count('Amber')} amber indicators for Havering."
    codes = {r["indicator"].split("](/indicator/")[1].split("?")[0] for r in rows}
    assert "police_attendance_icpc_pct" in codes and codes <= set(registry().indicators)
    assert all("?board=havering&area=havering)" in r["indicator"] for r in rows)


def test_exceptions_can_include_what_is_not_rated_and_say_why(loaded_db):
    rated, _, _ = exceptions.draw_exceptions(HAVERING, False)
    everything, _, columns = exceptions.draw_exceptions(HAVERING, True)
    unrated = [r for r in everything if r["status"].endswith("Not rated")]
    assert len(everything) > len(rated) and unrated
    assert all(r["reason"] for r in unrated)
    assert not any(c.get("hide") for c in columns)
