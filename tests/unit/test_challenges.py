"""The challenge log's rules: statuses, overdue, text limits, and the drafted questions the chair is offered."""

from datetime import date

import pandas as pd
import pytest

from dashboard.rules.challenges import (
    ChallengeRuleError,
    DraftKey,
    clean_text,
    draft_for_assessment,
    draft_questions,
    drafts_for_indicator,
    drafts_from_breakdowns,
    filter_challenges,
    is_overdue,
    next_status,
    parse_draft_key,
    parse_due_date,
    plan_action,
)
from dashboard.rules.rag import Direction, Rule, Status
from dashboard.rules.scorecard import Assessment, Comparison, Figure

TODAY = date(2016, 12, 1)
POLICE = {
    "code": "police_attendance_icpc_pct",
    "title": "Police (CAIT) attendance at initial conferences",
    "unit": "percent",
    "polarity": "higher_is_better",
    "domain": "partnership",
}
SHARES = {
    "code": "cp_plans_started_category_pct",
    "title": "New child protection plans by initial category (share)",
    "unit": "percent",
    "polarity": "neutral",
    "domain": "child_protection",
}


TARGET_100 = Rule("target", 100, 10, provenance="002.txt, line 4486")


def assessment(
    value=44.0, rag="red", delta=None, prev_label="", denominator=None, flags=(), ind=POLICE, rule=TARGET_100
):
    fig = Figure(value, "2014-15", "2014-15", "financial_year", date(2015, 3, 31), denominator=denominator)
    kind = "none" if delta is None else ("improving" if delta > 0 else "declining")
    return Assessment(
        ind,
        "havering",
        fig,
        Status(rag, "target 100%"),
        Direction(kind, delta, prev_label, "percent"),
        rule,
        "Target: at least 100%",
        [],
        None,
        False,
        list(flags),
    )


@pytest.mark.parametrize(
    "status,action,after",
    [
        ("open", "answer", "answered"),
        ("answered", "close", "closed"),
        ("open", "withdraw", "withdrawn"),
        ("answered", "reopen", "open"),
        ("open", "edit", "open"),
    ],
)
def test_allowed_moves(status, action, after):
    assert next_status(status, action) == after


@pytest.mark.parametrize(
    "status,action", [("open", "close"), ("closed", "answer"), ("withdrawn", "reopen"), ("closed", "edit")]
)
def test_moves_the_status_does_not_allow_are_refused_with_a_reason(status, action):
    with pytest.raises(ChallengeRuleError, match=f"a challenge that is {status} cannot be"):
        next_status(status, action)


def test_overdue_means_open_and_past_its_due_date():
    assert is_overdue("open", date(2016, 11, 30), TODAY)
    assert not is_overdue("open", TODAY, TODAY)
    assert not is_overdue("answered", date(2016, 1, 1), TODAY)
    assert not is_overdue("open", None, TODAY)


def test_text_is_trimmed_and_limited_and_control_characters_are_refused():
    assert clean_text("  Why?\r\nAnd why now?\t \n", "question", 100) == "Why?\nAnd why now?"
    for bad in ("Why?\x00", "Why?\x07", "\x1b[2JWhy?", "Why?\rForged", "Why\x9b2J?", "Why\x7f?", "Why\u202e?"):
        with pytest.raises(ChallengeRuleError, match=r"the question contains a control character \(U\+"):
            clean_text(bad, "question", 100)
    with pytest.raises(ChallengeRuleError, match="the question is empty"):
        clean_text("   ", "question", 100)
    with pytest.raises(ChallengeRuleError, match="the limit is 10"):
        clean_text("x" * 11, "question", 10)


def test_due_dates_must_be_real_and_not_past():
    assert parse_due_date("2016-12-08", TODAY) == date(2016, 12, 8)
    assert parse_due_date("", TODAY) is None
    with pytest.raises(ChallengeRuleError, match="has passed"):
        parse_due_date("2016-11-01", TODAY)
    with pytest.raises(ChallengeRuleError, match="not a date"):
        parse_due_date("next week", TODAY)


def test_a_red_indicator_gets_a_question_with_the_facts_it_used():
    d = draft_for_assessment(assessment(delta=-45.0, prev_label="Feb 2015"), "Havering", 20)
    assert d.reason == "red" and d.owner == "Metropolitan Police (CAIT)"
    assert d.question.startswith(
        "Police (CAIT) attendance at initial conferences fell from 89% in Feb 2015 to 44% "
        "in 2014-15, against a target of 100%: what is driving this"
    )
    assert any("target 100%; gap -56 pts" in f for f in d.facts)


def test_small_numbers_and_data_quality_flags_are_named_in_the_question():
    d = draft_for_assessment(assessment(denominator=9, flags=["two sources disagree"]), "Havering", 20)
    assert "With only 9 cases, is this a trend or one or two children?" in d.question
    assert "data-quality flag: can the board rely on it?" in d.question
    assert any("one case moves it by 11 points" in f for f in d.facts)


def test_a_green_steady_indicator_gets_no_draft_but_a_large_move_does():
    assert draft_for_assessment(assessment(value=95, rag="green", delta=2.0), "Havering", 20) is None
    d = draft_for_assessment(assessment(value=95, rag="green", delta=15.0, prev_label="2013-14"), "Havering", 20)
    assert d.reason == "large move" and "improvement will last" in d.question


def _shares(rows):
    return pd.DataFrame(
        [
            {
                "indicator": SHARES["code"],
                "area": "havering",
                "breakdown_dimension": "initial_category",
                "breakdown_value": v,
                "value": x,
                "period": p,
                "period_label": p,
                "sort_key": {"2013-14": "2014-03-31|2013-04-01", "2014-15": "2015-03-31|2014-04-01"}[p],
            }
            for p, v, x in rows
        ]
    )


def test_the_breakdown_that_drove_a_change_is_drafted_as_the_board_would_ask_it():
    rows = _shares(
        [
            ("2013-14", "emotional", 40),
            ("2013-14", "neglect", 45),
            ("2013-14", "physical", 12),
            ("2014-15", "emotional", 24),
            ("2014-15", "neglect", 55),
            ("2014-15", "physical", 16),
        ]
    )
    [d] = drafts_from_breakdowns(SHARES, rows, "havering", "Havering")
    assert d.question == (
        "Neglect rose from 45% to 55% of new plans in 2014-15: which referral sources drove this, "
        "and what is the neglect strategy's evidence of impact?"
    )
    assert d.key == "cp_plans_started_category_pct|havering|2014-15|initial_category:neglect"
    assert "Emotional -16 pts" in d.facts[1]


def test_small_shifts_in_a_breakdown_are_not_drafted():
    rows = _shares([("2013-14", "neglect", 45), ("2014-15", "neglect", 48)])
    assert drafts_from_breakdowns(SHARES, rows, "havering", "Havering") == []


def test_dismissed_drafts_are_not_proposed_again():
    a = assessment()
    drafts = draft_questions([a], pd.DataFrame(), {}, "havering", "Havering", 20)
    assert len(drafts) == 1
    assert (
        draft_questions([a], pd.DataFrame(), {}, "havering", "Havering", 20, dismissed=frozenset({drafts[0].key})) == []
    )


def test_comparator_facts_are_listed():
    a = assessment(rule=Rule("comparator", tolerance=2, comparator="england"))
    england = Comparison("england", "England", 10.0, "2014-15", "+4 pts", False)
    a = Assessment(**{**a.__dict__, "comparisons": [england]})
    d = draft_for_assessment(a, "Havering", 20)
    assert "England 10% in 2014-15; gap +4 pts" in d.facts


LOG = pd.DataFrame(
    [
        # id, status, owner, domain, meeting
        (1, "open", "Police", "partnership", "March board"),
        (2, "answered", "Police", "child_protection", "March board"),
        (3, "closed", "Police", "partnership", "March board"),
        (4, "withdrawn", "Health", "partnership", ""),
        (5, "open", "Health", "child_protection", "June board"),
        (6, "answered", "Social care", "partnership", "June board"),
    ],
    columns=["id", "status", "owner", "domain", "meeting"],
)


def _ids(**filters):
    return sorted(filter_challenges(LOG, **filters)["id"])


def test_the_log_with_no_filters_shows_every_challenge():
    assert _ids() == [1, 2, 3, 4, 5, 6]
    assert _ids(status="all", owner="", domain="", meeting="") == [1, 2, 3, 4, 5, 6]
    assert _ids(status=None, owner=None, domain=None, meeting=None) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "status,expected",
    [("active", [1, 2, 5, 6]), ("open", [1, 5]), ("answered", [2, 6]), ("closed", [3]), ("withdrawn", [4])],
)
def test_the_status_filter_keeps_only_that_status_and_active_means_open_or_answered(status, expected):
    assert _ids(status=status) == expected


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("owner", "Police", [1, 2, 3]),
        ("owner", "Health", [4, 5]),
        ("domain", "child_protection", [2, 5]),
        ("meeting", "June board", [5, 6]),
        ("meeting", "March board", [1, 2, 3]),
    ],
)
def test_owner_domain_and_meeting_each_keep_only_their_challenges(field, value, expected):
    assert _ids(**{field: value}) == expected


def test_the_filters_combine():
    assert _ids(status="active", owner="Police") == [1, 2]
    assert _ids(status="active", owner="Police", domain="partnership") == [1]
    assert _ids(status="active", domain="partnership", meeting="June board") == [6]
    assert _ids(status="closed", owner="Health") == []
    assert _ids(status="all", owner="Health", domain="partnership", meeting="") == [4]


def test_filtering_leaves_the_log_itself_unchanged():
    before = LOG.copy()
    filter_challenges(LOG, status="open", owner="Police", domain="partnership", meeting="March board")
    pd.testing.assert_frame_equal(LOG, before)


# ------------------------------------------------------------------ draft keys, actions, the indicator page's drafts


def test_a_draft_key_is_read_into_its_parts_and_a_breakdown_kind_keeps_its_colon():
    assert parse_draft_key("contacts|havering|2014-15|red") == DraftKey("contacts", "havering", "2014-15", "red")
    assert parse_draft_key("cp_plans_by_category_pct|havering|2014-15|category:neglect").kind == "category:neglect"


@pytest.mark.parametrize(
    "key,says",
    [
        ("x" * 256, "the limit is 255"),
        ("contacts|havering|2014-15", "is not a"),
        ("contacts||2014-15|red", "is not a"),
        ("", "not named"),
        (None, "not named"),
        (["contacts|havering|2014-15|red"], "not named"),
        ("contacts|havering|2014-15|red\x1b[2J", "control character"),
    ],
)
def test_a_draft_key_that_is_too_long_or_malformed_is_refused(key, says):
    with pytest.raises(ChallengeRuleError, match=says):
        parse_draft_key(key)


def test_a_draft_key_of_exactly_the_limit_is_read():
    key = "contacts|havering|2014-15|" + "k" * (255 - len("contacts|havering|2014-15|"))
    assert len(key) == 255 and parse_draft_key(key).indicator == "contacts"


def test_each_action_keeps_only_the_text_it_is_about():
    assert plan_action("open", "edit", "  Why? ") == plan_action("open", "edit", "Why?")
    edit = plan_action("open", "edit", "Why?")
    assert (edit.status, edit.question, edit.response) == ("open", "Why?", None)
    answer = plan_action("open", "answer", "A rota from April.")
    assert (answer.status, answer.question, answer.response) == ("answered", None, "A rota from April.")
    close = plan_action("answered", "close", "typed but not meant")
    assert (close.status, close.question, close.response) == ("closed", None, None)
    with pytest.raises(ChallengeRuleError, match="the response is empty"):
        plan_action("open", "answer", "  ")
    with pytest.raises(ChallengeRuleError, match="the question is empty"):
        plan_action("open", "edit", "")
    with pytest.raises(ChallengeRuleError, match="a challenge that is withdrawn cannot be answered"):
        plan_action("withdrawn", "answer", "late")
    with pytest.raises(ChallengeRuleError, match="unknown action"):
        plan_action("open", "delete", "")


def test_the_indicator_page_offers_its_headline_draft_then_its_breakdown_and_leaves_out_dismissed_ones():
    rows = _shares([("2013-14", "neglect", 45), ("2014-15", "neglect", 60)])
    red = assessment(ind={**SHARES, "polarity": "higher_is_better"})
    drafts = drafts_for_indicator(red, rows, "Havering", 20)
    assert [d.reason for d in drafts] == ["red", "breakdown"]
    assert drafts_for_indicator(red, rows, "Havering", 20, frozenset({drafts[0].key})) == drafts[1:]
    assert [d.reason for d in drafts_for_indicator(red, None, "Havering", 20)] == ["red"]
    counts = assessment(ind={**SHARES, "unit": "count", "polarity": "higher_is_better"})
    assert [d.reason for d in drafts_for_indicator(counts, rows, "Havering", 20)] == ["red"]
