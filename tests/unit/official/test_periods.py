"""Each publication's period rule: stated in the mapping, never guessed from the number alone."""

from __future__ import annotations

import pytest

from dashboard.official.mapping import load_mapping, period_for
from data_access.periods import parse_period


@pytest.mark.parametrize(
    "rule, year, period",
    [
        ("financial_year", 2018, "2017-18"),
        ("financial_year", 2000, "1999-00"),
        ("at_31_march", 2018, "2018-03-31"),
        ("at_30_september", 2024, "2024-09-30"),
        ("year_to_30_september", 2024, "2023-10/2024-09"),
        ("at_30_june", 2024, "2024-06-30"),
    ],
)
def test_period_rules(rule, year, period):
    assert period_for(rule, year) == period
    parse_period(period)  # a period the dashboard accepts


def _rules():
    return {(p.id, m.indicator, m.breakdown_value): m.period for p in load_mapping().publications for m in p.measures}


@pytest.mark.parametrize(
    "publication, indicator, rule",
    [
        ("cin_b1", "children_in_need", "at_31_march"),
        ("cin_c1", "referrals", "financial_year"),
        ("cin_c4", "icpc_within_15_days_pct", "financial_year"),
        ("cin_d3", "cp_plans_started", "financial_year"),
        ("cin_d5", "cp_plans", "at_31_march"),
        ("cin_d5", "cp_plans_open_2_years_plus_pct", "at_31_march"),
        ("cla_numbers", "children_looked_after", "at_31_march"),
        ("cla_numbers", "cla_rate_per_10k", "at_31_march"),
        ("cla_numbers", "cla_started", "financial_year"),
        ("cla_numbers", "cla_ceased", "financial_year"),
        ("cla_placement_stability", "cla_3_plus_placements_pct", "financial_year"),
        ("care_leavers_activity", "care_leavers_eet_pct", "financial_year"),
        ("csww", "csww_turnover_rate_pct", "year_to_30_september"),
        ("csww", "csww_vacancy_rate_pct", "at_30_september"),
        ("csww", "csww_agency_rate_pct", "at_30_september"),
        ("ons_population", "population_0_17", "at_30_june"),
    ],
)
def test_each_publication_states_its_rule(publication, indicator, rule):
    assert _rules()[(publication, indicator, "")] == rule


def test_same_time_period_gives_different_periods_by_publication(excerpt_read):
    obs = excerpt_read.observations
    h = obs[(obs["area"] == "havering") & (obs["source_line"] > 0)]
    period = {
        ind: set(h.loc[h["indicator"] == ind, "period"])
        for ind in ("referrals", "children_in_need", "csww_vacancy_rate_pct", "population_0_17")
    }
    # time_period 2024 in each file
    assert "2023-24" in period["referrals"]
    assert "2024-03-31" in period["children_in_need"]
    assert "2024-09-30" in period["csww_vacancy_rate_pct"]
    assert "2024-06-30" in period["population_0_17"]


def test_every_rule_is_described_in_the_mapping():
    mapping = load_mapping()
    used = {m.period for p in mapping.publications for m in p.measures}
    assert used <= set(mapping.period_rules) and all(mapping.period_rules[r] for r in used)
