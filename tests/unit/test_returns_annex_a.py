"""Annex A measures on small hand-built lists with known answers, tolerant header matching, the checks on bad
workbooks, and a property: no count exceeds its cohort."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from dashboard.returns import annex_a as aa
from dashboard.returns.common import Figure
from data_access.importer import ImportRejected

FY = aa.Window(date(2023, 4, 1), date(2024, 3, 31))


def figure(figures: list[Figure], indicator: str, period: str = "2023-24", dim: str = "", value: str = "") -> Figure:
    return next(
        f
        for f in figures
        if f.indicator == indicator
        and f.period == period
        and f.breakdown_dimension == dim
        and f.breakdown_value == value
    )


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"where": f"row {i + 2}", **r} for i, r in enumerate(rows)])


# ------------------------------------------------------------------ re-referrals


def test_a_referral_364_days_after_the_last_is_a_re_referral_and_366_days_after_is_not():
    referrals = frame(
        [
            {"child": "A", "date": date(2022, 4, 4), "nfa": False},
            {"child": "A", "date": date(2023, 4, 3), "nfa": False},  # 364 days later
            {"child": "B", "date": date(2022, 4, 4), "nfa": False},
            {"child": "B", "date": date(2023, 4, 5), "nfa": False},  # 366 days later
        ]
    )
    m = aa.re_referrals(referrals, FY)
    assert {c.child: c.counted for c in m.children} == {"A": True, "B": False}
    f = figure(m.figures, "re_referrals_12m_pct")
    assert (f.numerator, f.denominator, f.value) == (1, 2, 50.0)


def test_exactly_a_year_is_within_12_months_and_the_councils_count_covers_referrals_before_the_list():
    begins = date(2023, 4, 1)
    assert aa.is_re_referral(date(2024, 3, 5), [date(2023, 3, 5)], None, date(2023, 1, 1))
    assert aa.is_re_referral(date(2023, 6, 1), [], 2, begins)  # a referral before the list began
    assert not aa.is_re_referral(date(2023, 6, 1), [], 1, begins)  # the count includes this referral
    assert not aa.is_re_referral(date(2024, 6, 1), [], 2, date(2023, 4, 1))  # the list covers the year


def test_referrals_ending_in_nfa_and_referrals_by_source_team_and_age_band():
    referrals = frame(
        [
            {
                "child": "A",
                "date": date(2023, 5, 2),
                "nfa": True,
                "source": "q) 6: Police",
                "team": "MASH",
                "dob": date(2020, 1, 1),
            },
            {
                "child": "B",
                "date": date(2023, 5, 9),
                "nfa": False,
                "source": "e) 2A: Schools",
                "team": "Team 2",
                "age": 12,
            },
            {"child": "C", "date": date(2023, 6, 1), "nfa": False, "source": "School nurse", "team": "Team 2"},
            {"child": "D", "date": date(2024, 4, 1), "nfa": True, "source": "Police", "team": "MASH"},  # after
        ]
    )
    m = aa.referrals_nfa(referrals, FY)
    f = figure(m.figures, "referrals_nfa_pct")
    assert (f.numerator, f.denominator) == (1, 3)
    assert figure(m.figures, "referrals_nfa_pct", "2023-05").value == 50.0
    r = aa.referrals(referrals, FY)
    assert figure(r.figures, "referrals").value == 3
    assert figure(r.figures, "referrals", dim="source", value="police").value == 1
    assert figure(r.figures, "referrals", dim="source", value="health").value == 1  # a school nurse is health
    assert figure(r.figures, "referrals", dim="team", value="team_2").value == 2
    assert figure(r.figures, "referrals", dim="age_band", value="1_to_4").value == 1
    assert figure(r.figures, "referrals", dim="age_band", value="10_to_15").value == 1
    assert figure(r.figures, "referrals", dim="age_band", value="not_known").value == 1
    assert figure(r.figures, "referrals", "2023-06").value == 1


# ------------------------------------------------------------------ contacts


def test_a_contact_becomes_a_referral_within_five_working_days_or_when_its_outcome_says_so():
    contacts = frame(
        [
            {"child": "A", "date": date(2023, 4, 3), "source": "Police"},  # referred on the 5th working day (Easter)
            {"child": "B", "date": date(2023, 4, 3), "source": "Police"},  # referred on the 6th
            {"child": "C", "date": date(2023, 4, 3), "source": "Anonymous"},  # never referred
        ]
    )
    referrals = frame(
        [
            {"child": "A", "date": date(2023, 4, 12), "nfa": False},
            {"child": "B", "date": date(2023, 4, 13), "nfa": False},
        ]
    )
    m = aa.contacts_to_referral(contacts, referrals, FY)
    assert {c.child: c.counted for c in m.children} == {"A": True, "B": False, "C": False}
    with_outcome = contacts.assign(outcome=["Referral to CSC", "Step down to early help", "NFA"])
    m = aa.contacts_to_referral(with_outcome, None, FY)
    assert [c.counted for c in m.children] == [True, False, False]
    c = aa.contacts(contacts, FY)
    assert figure(c.figures, "contacts").value == 3
    assert figure(c.figures, "contacts", dim="source", value="police").value == 2


# ------------------------------------------------------------------ timescales


def test_a_conference_whose_15_working_days_span_easter_is_in_time_two_days_later_than_without_it():
    s47 = frame(
        [
            {"child": "A", "strategy": date(2023, 4, 3), "icpc": date(2023, 4, 26)},  # day 15, after Easter
            {"child": "B", "strategy": date(2023, 4, 3), "icpc": date(2023, 4, 27)},  # day 16
            {"child": "C", "strategy": date(2023, 4, 3), "icpc": None},  # no conference held
        ]
    )
    m = aa.icpcs_in_time(s47, FY)
    assert {c.child: c.counted for c in m.children} == {"A": True, "B": False}
    f = figure(m.figures, "icpc_within_15_days_pct")
    assert (f.numerator, f.denominator, f.value) == (1, 2, 50.0)


def test_assessments_are_timed_from_their_start_to_their_authorisation_in_working_days():
    assessments = frame(
        [
            # May 2023 had two bank holidays (the coronation on the 8th, spring on the 29th)
            {"child": "A", "start": date(2023, 5, 2), "authorised": date(2023, 7, 6)},  # working day 45
            {"child": "B", "start": date(2023, 5, 2), "authorised": date(2023, 7, 7)},  # working day 46
            {"child": "C", "start": date(2023, 5, 2), "authorised": None},  # still open
        ]
    )
    m = aa.assessments_in_time(assessments, FY)
    assert {c.child: c.counted for c in m.children} == {"A": True, "B": False}


# ------------------------------------------------------------------ child protection plans


def test_plans_started_by_category_second_plans_and_plans_ending_after_two_years():
    plans = frame(
        [
            {"child": "A", "start": date(2023, 5, 1), "category": "a) Neglect", "previous": 0, "end": None},
            {"child": "B", "start": date(2023, 6, 1), "category": "EMO", "previous": 1, "end": None},
            {"child": "C", "start": date(2023, 6, 1), "category": "Multiple", "previous": 0, "end": None},
            {"child": "D", "start": date(2021, 5, 1), "category": "PHY", "previous": 0, "end": date(2023, 5, 1)},
            {"child": "E", "start": date(2021, 5, 2), "category": "SAB", "previous": 2, "end": date(2023, 5, 1)},
        ]
    )
    m = aa.cp_plans(plans, FY)
    assert figure(m.figures, "cp_plans_started").value == 3
    assert figure(m.figures, "cp_plans_started", dim="initial_category", value="emotional").value == 1
    assert figure(m.figures, "cp_plans_started", "2023-06").value == 2
    f = figure(m.figures, "cp_plans_second_subsequent_pct")
    assert (f.numerator, f.denominator) == (1, 3)
    assert figure(m.figures, "cp_plans_2_years_plus").value == 1  # D: exactly two years; E: a day short
    f = figure(m.figures, "cp_plans_2_years_plus_pct")
    assert (f.numerator, f.denominator) == (1, 2)


def test_categories_and_sources_are_read_from_codes_letters_or_words():
    assert [aa.category(c) for c in ("NEG", "b) Physical abuse", "Sexual abuse", "d)", "MUL", "Other")] == [
        "neglect",
        "physical",
        "sexual",
        "emotional",
        "multiple",
        None,
    ]
    assert [aa.source_group(s) for s in ("q) 6: Police", "1A", "GP", "Housing association", "", "t) 9")] == [
        "police",
        "individual",
        "health",
        "housing",
        "unknown",
        "anonymous",
    ]


def test_the_window_is_a_financial_year_when_the_contacts_cover_one_and_months_otherwise():
    assert FY.code == "2023-24"
    assert aa.Window(date(2023, 10, 1), date(2024, 3, 31)).code == "2023-10/2024-03"
    assert aa.Window(date(2023, 10, 1), date(2023, 10, 31)).code == "2023-10"


# ------------------------------------------------------------------ reading workbooks


def test_sheets_are_found_by_number_or_subject():
    assert [
        aa.list_number(t)
        for t in ("List 1", "L3 referrals", "list_7", "Care leavers", "Section 47s", "Children looked after", "Notes")
    ] == [1, 3, 7, 9, 5, 8, None]


def test_headers_are_matched_whatever_the_wording():
    cols = aa.match_headers(
        3,
        [
            "Child ID",
            "DOB",
            "Referral date",
            "Source of referral",
            "NFA",
            "No. of referrals in the last 12 months",
            "Team",
        ],
    )
    assert cols == {"child": 0, "dob": 1, "date": 2, "source": 3, "nfa": 4, "referrals_12m": 5, "team": 6}
    cols = aa.match_headers(
        7,
        [
            "Child Unique ID",
            "Latest Category of Abuse",
            "Initial Category of Abuse",
            "Child Protection Plan Start Date",
            "Child Protection Plan End Date",
            "Number of Previous Child Protection Plans",
        ],
    )
    assert cols["category"] == 2 and cols["start"] == 3 and cols["end"] == 4 and cols["previous"] == 5


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_a_workbook_with_title_rows_and_council_wording_is_read(tmp_path):
    path = _workbook(
        tmp_path / "annex.xlsx",
        {
            "Front sheet": [["Annex A for inspection"]],
            "List 1": [
                ["Annex A List 1: contacts"],
                [],
                ["ID", "Date of birth", "Contact date", "Source"],
                ["X1", "01/02/2015", "03/04/2023", "Police"],
                ["X2", None, date(2023, 4, 4), "Schools"],
            ],
            "List 3 referrals": [["LA Child ID", "Referral Date", "Referral NFA?"], ["X1", "04/04/2023", "No"]],
        },
    )
    annex = aa.read_annex_a(path)
    assert sorted(annex.lists) == [1, 3] and annex.skipped == ["Front sheet"]
    assert annex.lists[1]["date"].tolist() == [date(2023, 4, 3), date(2023, 4, 4)]
    assert aa.window_of(annex).code == "2023-04"
    m = aa.compute(annex)
    assert figure(m.figures, "contacts_to_referral_pct", "2023-04").value == 50.0
    assert any("list 4 (assessments) not found" in n for n in m.notes)


@pytest.mark.parametrize(
    ("rows", "where", "column", "says"),
    [
        (
            [["Child ID", "Referral Date", "Referral NFA?"], ["X1", "31/02/2023", "No"]],
            "sheet 'List 3', row 2",
            "Referral Date",
            "not a real date",
        ),
        (
            [["Child ID", "Referral Date", "Referral NFA?"], ["X1", "04/04/2023", "Perhaps"]],
            "sheet 'List 3', row 2",
            "Referral NFA?",
            "not yes or no",
        ),
        (
            [["Child ID", "Referral Date", "Referral NFA?"], [None, "04/04/2023", "No"]],
            "sheet 'List 3', row 2",
            "Child ID",
            "is empty",
        ),
        ([["Child ID", "Referral Date"], ["X1", "04/04/2023"]], "sheet 'List 3', row 1", "nfa", "no header matches"),
    ],
)
def test_a_bad_cell_or_missing_column_is_named_by_sheet_row_and_column(tmp_path, rows, where, column, says):
    path = _workbook(tmp_path / "bad.xlsx", {"List 3": rows})
    with pytest.raises(ImportRejected) as e:
        aa.read_annex_a(path)
    err = e.value.errors[0]
    assert (err.where, err.column) == (where, column)
    assert says in err.message


def test_a_workbook_without_lists_or_a_file_that_is_not_one_is_refused(tmp_path):
    with pytest.raises(ImportRejected, match="no sheet is an Annex A list"):
        aa.read_annex_a(_workbook(tmp_path / "x.xlsx", {"Notes": [["hello"]]}))
    (tmp_path / "y.xlsx").write_text("not a workbook")
    with pytest.raises(ImportRejected, match="cannot be opened"):
        aa.read_annex_a(tmp_path / "y.xlsx")


# ------------------------------------------------------------------ property: no count exceeds its cohort

DAYS = st.integers(0, 500).map(lambda n: date(2023, 1, 1) + timedelta(days=n))


@st.composite
def lists(draw):
    kids = [f"K{i}" for i in range(draw(st.integers(1, 8)))]
    contacts = [
        {
            "child": draw(st.sampled_from(kids)),
            "date": draw(DAYS),
            "source": draw(st.sampled_from(["Police", "Schools", "", "GP"])),
        }
        for _ in range(draw(st.integers(1, 25)))
    ]
    referrals = [
        {
            "child": draw(st.sampled_from(kids)),
            "date": draw(DAYS),
            "nfa": draw(st.booleans()),
            "referrals_12m": draw(st.integers(1, 3)),
            "team": draw(st.sampled_from(["A", "B"])),
        }
        for _ in range(draw(st.integers(1, 20)))
    ]
    plans = []
    for _ in range(draw(st.integers(0, 10))):
        start = draw(DAYS)
        plans.append(
            {
                "child": draw(st.sampled_from(kids)),
                "start": start,
                "category": draw(st.sampled_from(["NEG", "EMO", "PHY", "SAB", "MUL"])),
                "previous": draw(st.integers(0, 2)),
                "end": draw(st.one_of(st.none(), st.integers(0, 900).map(lambda n, s=start: s + timedelta(n)))),
            }
        )
    s47 = [
        {
            "child": draw(st.sampled_from(kids)),
            "strategy": (s := draw(DAYS)),
            "icpc": draw(st.one_of(st.none(), st.integers(0, 40).map(lambda n, s=s: s + timedelta(n)))),
        }
        for _ in range(draw(st.integers(0, 10)))
    ]
    return frame(contacts), frame(referrals), frame(plans) if plans else None, frame(s47) if s47 else None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lists())
def test_no_count_exceeds_its_cohort(data):
    contacts, referrals, plans, s47 = data
    annex = aa.AnnexA(
        "x.xlsx", {k: v for k, v in {1: contacts, 3: referrals, 5: s47, 7: plans}.items() if v is not None}
    )
    window = aa.window_of(annex)
    m = aa.compute(annex, window)
    n_contacts = sum(1 for d in contacts["date"] if d in window)
    n_referrals = sum(1 for d in referrals["date"] if d in window)
    for f in m.figures:
        if f.denominator is not None:
            assert 0 <= f.numerator <= f.denominator and 0 <= f.value <= 100
        if f.period == window.code and not f.breakdown_dimension:
            limit = {
                "contacts": n_contacts,
                "referrals": n_referrals,
                "contacts_to_referral_pct": n_contacts,
                "re_referrals_12m_pct": n_referrals,
                "referrals_nfa_pct": n_referrals,
            }.get(f.indicator)
            if limit is not None:
                assert (f.denominator if f.denominator is not None else f.value) == limit
    for code in ("contacts", "referrals", "cp_plans_started"):
        head = [f for f in m.figures if f.indicator == code and f.period == window.code and not f.breakdown_dimension]
        for dim in ("source", "age_band", "initial_category"):
            parts = [
                f for f in m.figures if f.indicator == code and f.period == window.code and f.breakdown_dimension == dim
            ]
            if parts:
                assert sum(f.value for f in parts) == head[0].value
        months = [f for f in m.figures if f.indicator == code and f.period != window.code]
        if head and window.code != aa.month_code(window.start):  # a one-month window is its own month
            assert sum(f.value for f in months) == head[0].value
    keys = [(f.indicator, f.period, f.breakdown_dimension, f.breakdown_value) for f in m.figures]
    assert len(keys) == len(set(keys))  # one figure per key, or the importer would refuse the file
