"""What each page shows, read from its use case on a real database loaded with the bundled dataset (SQLite, and
PostgreSQL when configured): the same plain data the pages draw and the board pack prints."""

from __future__ import annotations

import os
from datetime import date

import pytest

from dashboard.reference.registry import registry
from dashboard.reference.view import view_from_query
from dashboard.services import pages
from data_access import review_store

HAVERING = {"board": "havering", "area": "havering", "period": "latest", "meeting": False}
TRIBOROUGH = {"board": "triborough", "area": "triborough", "period": "latest", "meeting": False}


def test_the_scorecard_shows_each_headline_indicator_with_its_status_word(loaded_db):
    card = pages.scorecard_view(view_from_query(HAVERING))
    assert card.board_name == "Havering LSCB" and card.area_name == "Havering" and card.has_figures
    a = card.assessment("assessments_within_45_days_pct")
    assert a is not None and a.indicator["title"] == "Assessments completed within 45 working days"
    # 86% in 2017-18, judged against England, which has no figure for that year yet: said, not guessed.
    assert (a.value_text, a.figure.period_label) == ("86%", "2017-18")
    assert a.status.label == "Not rated: no England figure for this period"
    assert card.assessment("police_attendance_icpc_pct").status.word == "Red"
    assert card.assessment("contacts").status.label.startswith("Not rated")
    # Sections follow the registry's domains, each with a count of what is red, amber and green in it.
    order = [d for d in registry().domains]
    assert [s.domain for s in card.sections] == sorted((s.domain for s in card.sections), key=order.index)
    front = next(s for s in card.sections if s.domain == "front_door")
    assert front.title == "Front door"
    assert front.summary == ", ".join(f"{n} {r}" for r, n in front.counts.items())
    assert sum(front.counts.values()) == sum(a.status.rag != "none" for a in front.tiles)


def test_the_scorecard_accepts_the_page_store_as_the_browser_sends_it(loaded_db):
    from_store = pages.scorecard_view(TRIBOROUGH)
    assert from_store.view == view_from_query(TRIBOROUGH)
    assert from_store.board_name == "Tri-borough LSCB"


def test_a_scorecard_before_any_figure_has_nothing_to_show(loaded_db):
    assert not pages.scorecard_view({**HAVERING, "period": "2005-06"}).has_figures


def test_the_child_protection_plan_draws_the_partnership_charts_after_its_own(loaded_db):
    plan = pages.domain_chart_plan(HAVERING, "child_protection")
    assert plan.domains == ("child_protection", "partnership")
    shown = [c.indicator for c in plan.charts]
    assert "cp_plans" in shown and "police_attendance_icpc_pct" in shown
    # Trends first (headline indicators first, own domain before partnership), then breakdowns.
    kinds = [c.is_trend for c in plan.charts]
    assert kinds == sorted(kinds, reverse=True)
    domain_of = {c.indicator: registry().indicators[c.indicator].domain for c in plan.charts}
    headline = [domain_of[c.indicator] for c in plan.trends if c.headline]
    assert headline == sorted(headline, key=plan.domains.index) and "partnership" in headline
    # Every indicator on the page is reachable from the keyboard, with the view kept.
    titles = {link.title for link in plan.links}
    assert "Police (CAIT) attendance at initial conferences" in titles
    assert all(link.href.endswith("?board=havering&area=havering") for link in plan.links)


def test_no_domain_page_draws_the_partnership_charts_but_child_protection(loaded_db):
    for spec in registry().domain_pages():
        plan = pages.domain_chart_plan(HAVERING, spec.code)
        partnership = [c for c in plan.charts if registry().indicators[c.indicator].domain == "partnership"]
        assert bool(partnership) == (spec.code == "child_protection"), spec.code
    assert "partnership" not in {d.code for d in registry().domain_pages()}


def test_a_domain_plan_stops_at_the_views_period(loaded_db):
    latest = pages.domain_chart_plan(HAVERING, "front_door")
    earlier = pages.domain_chart_plan({**HAVERING, "period": "2013-14"}, "front_door")
    periods = {x for c in latest.trends for t in c.figure.data for x in t.x}
    periods_then = {x for c in earlier.trends for t in c.figure.data for x in t.x}
    assert periods_then and periods_then < periods
    assert "2014-15" in periods and "2014-15" not in periods_then


def test_a_domain_plan_says_why_it_has_no_charts(loaded_db):
    none_for_board = pages.domain_chart_plan(TRIBOROUGH, "care_leavers")
    assert none_for_board.charts == [] and none_for_board.empty == pages.NO_FIGURES
    too_early = pages.domain_chart_plan({**HAVERING, "period": "2005-06"}, "front_door")
    assert too_early.charts == [] and too_early.empty == pages.NO_FIGURES_IN_VIEW


def test_the_drill_panel_gives_the_figure_its_source_and_the_other_areas(loaded_db):
    panel = pages.drill_panel(TRIBOROUGH, "children_looked_after", "westminster", "2016-03-31")
    assert panel.title == "Children looked after" and panel.area_name == "Westminster"
    assert panel.period_label == "31 Mar 2016" and panel.value_text and panel.has_figure
    assert panel.source.startswith("Tri-borough LSCB report 2015-16, line")
    others = next(t for t in panel.tables if t.heading == "Other areas, same period")
    assert {"Hammersmith & Fulham", "Kensington & Chelsea", "Tri-borough total"} <= {r[0] for r in others.rows}
    assert panel.link == "/indicator/children_looked_after?board=triborough&area=westminster"
    # The same point asked again is the same panel (from the data cache).
    assert pages.drill_panel(TRIBOROUGH, "children_looked_after", "westminster", "2016-03-31") == panel


def test_the_drill_panel_knows_nothing_of_an_unknown_indicator_or_area(loaded_db):
    assert pages.drill_panel(TRIBOROUGH, "no_such_indicator", "westminster", "2016-03-31") is None
    assert pages.drill_panel(TRIBOROUGH, "children_looked_after", "atlantis", "2016-03-31") is None


def test_the_indicator_page_says_how_it_is_rated_and_lists_every_figure_with_its_source(loaded_db):
    page = pages.indicator_page(HAVERING, "referrals_to_assessment_pct")
    assert page.title == "Referrals that led to an assessment"
    assert page.rule_text.startswith("Target: at least 85%") and "amber to" in page.rule_text
    assert page.assessment.status.word == "Green"
    assert page.trend is not None
    assert page.figures and all(r["document"] for r in page.figures)
    assert "Havering" in {r["area"] for r in page.figures}
    assert pages.indicator_page(HAVERING, "no_such_indicator") is None


def test_exceptions_are_off_target_worst_first_and_can_include_the_unrated(loaded_db):
    rated = pages.exceptions(HAVERING)
    rags = [a.status.rag for a in rated.items]
    assert rags and set(rags) <= {"red", "amber"} and rags == sorted(rags, key=lambda r: r != "red")
    assert (rated.red, rated.amber) == (rags.count("red"), rags.count("amber"))
    assert "police_attendance_icpc_pct" in {a.code for a in rated.items}
    everything = pages.exceptions(HAVERING, include_not_rated=True)
    assert len(everything.items) > len(rated.items)
    assert all(a.figure is not None for a in everything.items if a.status.rag == "none")


def test_period_options_list_the_years_with_figures_and_keep_a_bookmarked_one(loaded_db):
    result = pages.period_options(HAVERING)
    values = [o["value"] for o in result.options]
    assert values[0] == "latest" and "2014-15" in values and values[1:] == sorted(values[1:], reverse=True)
    assert result.as_of.startswith("Data updated ") and result.as_of.endswith(" figures")
    assert pages.period_options({**HAVERING, "period": "2005-06"}).options[-1]["value"] == "2005-06"


def test_choosing_a_new_board_starts_at_its_total_and_the_same_view_changes_nothing(loaded_db):
    assert (
        pages.chosen_view("triborough", "havering", "latest", "?board=havering&meeting=1")
        == "?board=triborough&area=triborough&meeting=1"
    )
    assert pages.chosen_view("havering", "havering", "latest", "") is None


def test_the_pack_has_the_same_scorecard_and_exceptions_as_the_pages(loaded_db):
    review_store.save_commentary(
        "police_attendance_icpc_pct", "havering", "2014-15", "CAIT vacancies filled in March.", "q&e", None
    )
    review_store.raise_challenge(
        "police_attendance_icpc_pct",
        "havering",
        "2014-15",
        "What will the police do to attend every initial conference?",
        "Metropolitan Police (CAIT)",
        "chair",
        due_date=date(2030, 1, 31),
    )
    content = pages.pack_content(HAVERING)
    page = pages.exceptions(HAVERING)
    assert [a.code for a in content.exceptions.items] == [a.code for a in page.items]
    assert [(a.code, a.status) for a in content.exceptions.items] == [(a.code, a.status) for a in page.items]
    card = pages.scorecard_view(HAVERING)
    assert [[(a.code, a.status) for a in s.tiles] for s in content.scorecard.sections] == [
        [(a.code, a.status) for a in s.tiles] for s in card.sections
    ]
    assert content.commentary["police_attendance_icpc_pct"] == "CAIT vacancies filled in March. (q&e)"
    assert [c["question"] for c in content.challenges] == [
        "What will the police do to attend every initial conference?"
    ]
    assert content.board_name == "Havering Local Safeguarding Children Board"
    assert content.period_text == "latest figures"


def test_the_pack_charts_are_the_first_headline_trends_of_each_domain_page(loaded_db):
    content = pages.pack_content({**HAVERING, "meeting": True})
    assert [d.code for d in content.domains] == [d.code for d in registry().domain_pages()]
    for d in content.domains:
        plan = pages.domain_chart_plan(HAVERING, d.code)
        expected = [c.indicator for c in plan.trends if c.headline][: pages.PACK_CHARTS_PER_DOMAIN]
        assert [c.indicator for c in d.charts] == expected, d.code
        # Paper is not a projector: the pack's charts are never in meeting mode's larger type.
        assert all(c.figure.layout.font.size == 13 for c in d.charts)
    cp = next(d for d in content.domains if d.code == "child_protection")
    assert cp.charts and all(c.headline and c.is_trend for c in cp.charts)
    assert pages.pack_content(HAVERING, with_charts=False).domains[0].charts == []


def test_the_pack_for_an_earlier_period_says_so_and_stops_there(loaded_db):
    content = pages.pack_content({**HAVERING, "period": "2014-15"})
    assert content.period_text == "figures up to 2014-15"
    periods = {x for d in content.domains for c in d.charts for t in c.figure.data for x in t.x}
    assert "2014-15" in periods and not periods & {"2015-16", "2016-17", "2017-18"}


def test_the_pack_draws_its_charts_and_leaves_the_servers_environment_as_it_was(loaded_db, monkeypatch):
    from dashboard.reports.pack import build_pack, chart_browser

    if chart_browser() is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (REQUIRE_BROWSER=1) to draw the pack's charts")
        pytest.skip("no Chromium: the pack's charts cannot be drawn here")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    before = dict(os.environ)
    pdf = build_pack(view_from_query(HAVERING))
    assert pdf.count(b"/Subtype /Image") >= 2, "the domain pages carry chart images"
    assert dict(os.environ) == before
