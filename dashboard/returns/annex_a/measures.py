"""The official definitions of the front-door and child protection measures (rule version ``annex-a/1``).

Definitions (DfE children in need census and Working Together to Safeguard Children, as the indicator
registry states them; timescales in working days, English bank holidays excluded - see working_days):

* ``contacts``, ``referrals``: counted by date, with source (Ofsted source codes grouped: individual, schools,
  education services, health, housing, LA services, police, other legal agency, other, anonymous, unknown),
  allocated team (referrals) and age band at the date.
* ``contacts_to_referral_pct``: contacts whose outcome column (when the list has one) says referral, or else
  whose child has a referral in list 3 on the contact date or within the next 5 working days (local rule: there
  is no national definition of a contact).
* ``re_referrals_12m_pct``: referrals within 12 months of a previous referral of the same child (on or after
  the same date a year earlier). Where the year before a referral reaches back before the first referral in the
  list, the list's "Number of referrals in last 12 months" (read as including this referral, so 2 or more means
  a previous one) also counts.
* ``referrals_nfa_pct``: referrals marked "Referral NFA? Yes".
* ``assessments_within_45_days_pct``: of assessments authorised in the window, those authorised within 45
  working days of the assessment start date (the DfE census measures from the start of the assessment).
* ``icpc_within_15_days_pct``: of initial conferences held in the window, those held within 15 working days of
  the strategy discussion that began the section 47 enquiry.
* ``cp_plans_started`` by initial category (neglect, physical, sexual, emotional, multiple) and age band;
  ``cp_plans_second_subsequent_pct``: plans started whose child had a previous plan at any time ("Number of
  previous child protection plans" 1 or more); ``cp_plans_2_years_plus`` and ``cp_plans_2_years_plus_pct``:
  plans ending in the window that had lasted two years or more (of all plans ending in it).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from dashboard.returns.annex_a.codes import (
    category,
    normalise,
    source_group,
)
from dashboard.returns.annex_a.files import (
    LIST_NAMES,
    AnnexA,
)
from dashboard.returns.annex_a.stitching import (
    Window,
    dates_by_child,
    month_code,
    rows_of,
    window_of,
)
from dashboard.returns.common import (
    ChildRow,
    Figure,
    Measured,
    add_years,
    age_band,
    count_figures,
    rate_figures,
    snake,
)
from dashboard.returns.working_days import add_working_days, within_working_days

RULE_VERSION = "annex-a/1"

CONTACT_TO_REFERRAL_WORKING_DAYS = 5

ASSESSMENT_WORKING_DAYS = 45

ICPC_WORKING_DAYS = 15


def _band(r: dict, on: date) -> str:
    age = r.get("age")
    return age_band(r.get("dob"), on, None if age is None or pd.isna(age) else int(age))


def _monthly_counts(indicator: str, dates: list[date]) -> list[Figure]:
    by: dict[str, int] = {}
    for d in dates:
        by[month_code(d)] = by.get(month_code(d), 0) + 1
    return [Figure(indicator, m, float(n)) for m, n in sorted(by.items())]


def _monthly_rates(indicator: str, flags: list[tuple[date, bool]]) -> list[Figure]:
    by: dict[str, list[tuple[bool, dict]]] = {}
    for d, c in flags:
        by.setdefault(month_code(d), []).append((c, {}))
    return [f for m, items in sorted(by.items()) for f in rate_figures(indicator, m, items)]


def contacts(contact_list: pd.DataFrame | None, window: Window) -> Measured:
    """Contacts received in the window, by source and age band, and by month."""
    out = Measured()
    rows = [r for r in rows_of(contact_list) if r.get("date") in window]
    if contact_list is None:
        return out
    items = [{"source": source_group(r.get("source") or ""), "age_band": _band(r, r["date"])} for r in rows]
    out.figures = count_figures("contacts", window.code, items, ("source", "age_band"))
    out.figures += _monthly_counts("contacts", [r["date"] for r in rows])
    out.children = [
        ChildRow("contacts", window.code, r["child"], i["age_band"], True, r["date"], None, {"source": i["source"]})
        for r, i in zip(rows, items, strict=True)
    ]
    return out


def referrals(referral_list: pd.DataFrame | None, window: Window) -> Measured:
    """Referrals received in the window, by source, allocated team and age band, and by month."""
    out = Measured()
    if referral_list is None:
        return out
    rows = [r for r in rows_of(referral_list) if r.get("date") in window]
    items = []
    for r in rows:
        i = {"source": source_group(r.get("source") or ""), "age_band": _band(r, r["date"])}
        if r.get("team"):
            i["team"] = snake(r["team"])
        items.append(i)
    out.figures = count_figures("referrals", window.code, items, ("source", "team", "age_band"))
    out.figures += _monthly_counts("referrals", [r["date"] for r in rows])
    out.children = [
        ChildRow(
            "referrals",
            window.code,
            r["child"],
            i["age_band"],
            True,
            r["date"],
            None,
            {"source": i["source"], **({"team": i["team"]} if "team" in i else {})},
        )
        for r, i in zip(rows, items, strict=True)
    ]
    return out


_CONVERTED = re.compile(r"referr")

_NOT_CONVERTED = re.compile(r"early help|\bnfa\b|no further|not referr|no referr|signpost")


def contacts_to_referral(
    contact_list: pd.DataFrame | None, referral_list: pd.DataFrame | None, window: Window
) -> Measured:
    """Contacts in the window that led to a referral, % of contacts (by contact month too)."""
    out = Measured()
    if contact_list is None:
        return out
    has_outcome = "outcome" in contact_list.columns
    if not has_outcome and referral_list is None:
        out.notes.append(
            "contacts that became referrals: not computed (list 1 has no outcome column and there is "
            "no list 3 to match contacts to referrals)"
        )
        return out
    by_child = dates_by_child(rows_of(referral_list))
    flags = []
    for r in rows_of(contact_list):
        d = r.get("date")
        if d not in window:
            continue
        if has_outcome and r.get("outcome"):
            t = normalise(r["outcome"])
            converted = bool(_CONVERTED.search(t)) and not _NOT_CONVERTED.search(t)
        else:
            last = add_working_days(d, CONTACT_TO_REFERRAL_WORKING_DAYS)
            converted = any(d <= rd <= last for rd in by_child.get(r["child"], []))
        flags.append((d, converted))
        out.children.append(
            ChildRow("contacts_to_referral_pct", window.code, r["child"], _band(r, d), converted, d, None, {})
        )
    out.figures = rate_figures("contacts_to_referral_pct", window.code, [(c, {}) for _, c in flags])
    out.figures += _monthly_rates("contacts_to_referral_pct", flags)
    return out


def is_re_referral(referral_date: date, earlier: list[date], referrals_12m: int | None, list_begins: date) -> bool:
    """A referral within 12 months of a previous referral of the same child. `earlier`: the child's other
    referral dates in the list. When the year before reaches back before the list begins, the council's own
    count of referrals in the last 12 months (including this one) also counts."""
    since = add_years(referral_date, -1)
    if any(since <= d < referral_date for d in earlier):
        return True
    return since < list_begins and referrals_12m is not None and referrals_12m >= 2


def re_referrals(referral_list: pd.DataFrame | None, window: Window) -> Measured:
    """Referrals in the window within 12 months of a previous referral, % of referrals."""
    out = Measured()
    rows = [r for r in rows_of(referral_list) if r.get("date")]
    if not rows:
        return out
    begins = min(r["date"] for r in rows)
    by_child = dates_by_child(rows)
    flags = []
    for r in rows:
        if r["date"] not in window:
            continue
        c = is_re_referral(r["date"], by_child[r["child"]], r.get("referrals_12m"), begins)
        flags.append((r["date"], c))
        out.children.append(
            ChildRow("re_referrals_12m_pct", window.code, r["child"], _band(r, r["date"]), c, r["date"], None, {})
        )
    out.figures = rate_figures("re_referrals_12m_pct", window.code, [(c, {}) for _, c in flags])
    out.figures += _monthly_rates("re_referrals_12m_pct", flags)
    if "referrals_12m" not in referral_list.columns:
        out.notes.append(
            "re-referrals: list 3 has no 'Number of referrals in last 12 months'; referrals whose "
            "previous year reaches back before the list are judged on the list's dates only"
        )
    return out


def referrals_nfa(referral_list: pd.DataFrame | None, window: Window) -> Measured:
    """Referrals in the window that ended in no further action, % of referrals."""
    out = Measured()
    flags = [(r["date"], bool(r.get("nfa")), r) for r in rows_of(referral_list) if r.get("date") in window]
    out.figures = rate_figures("referrals_nfa_pct", window.code, [(c, {}) for _, c, _ in flags])
    out.figures += _monthly_rates("referrals_nfa_pct", [(d, c) for d, c, _ in flags])
    out.children = [
        ChildRow("referrals_nfa_pct", window.code, r["child"], _band(r, d), c, d, None, {}) for d, c, r in flags
    ]
    return out


def _timeliness(rows: list[dict], indicator: str, window: Window, start_key: str, done_key: str, days: int) -> Measured:
    """Rows whose `done_key` date falls in the window, done within `days` working days of their `start_key` date,
    % of those done (rows without a start are left out)."""
    out = Measured()
    flags = []
    for r in rows:
        done, start = r.get(done_key), r.get(start_key)
        if done not in window or start is None:
            continue
        c = within_working_days(start, done, days)
        flags.append((done, c))
        out.children.append(ChildRow(indicator, window.code, r["child"], _band(r, start), c, start, done, {}))
    out.figures = rate_figures(indicator, window.code, [(c, {}) for _, c in flags])
    out.figures += _monthly_rates(indicator, flags)
    return out


def assessments_in_time(assessment_list: pd.DataFrame | None, window: Window) -> Measured:
    """Assessments authorised in the window within 45 working days of their start, % of those authorised."""
    return _timeliness(
        rows_of(assessment_list),
        "assessments_within_45_days_pct",
        window,
        "start",
        "authorised",
        ASSESSMENT_WORKING_DAYS,
    )


def icpcs_in_time(s47_list: pd.DataFrame | None, window: Window) -> Measured:
    """Initial conferences held in the window within 15 working days of the strategy discussion, %."""
    return _timeliness(rows_of(s47_list), "icpc_within_15_days_pct", window, "strategy", "icpc", ICPC_WORKING_DAYS)


def cp_plans(plan_list: pd.DataFrame | None, window: Window) -> Measured:
    """Plans started (by initial category and age band; by month), second or subsequent plans %, and plans
    ending in the window that lasted two years or more (count and % of plans ending)."""
    out = Measured()
    rows = rows_of(plan_list)
    if plan_list is None:
        return out
    started = [r for r in rows if r.get("start") in window]
    items = [{"initial_category": category(r["category"]), "age_band": _band(r, r["start"])} for r in started]
    out.figures = count_figures("cp_plans_started", window.code, items, ("initial_category", "age_band"))
    out.figures += _monthly_counts("cp_plans_started", [r["start"] for r in started])
    repeat = [(bool(r.get("previous")), {}) for r in started]
    out.figures += rate_figures("cp_plans_second_subsequent_pct", window.code, repeat)
    for r, i, (c, _) in zip(started, items, repeat, strict=True):
        out.children.append(
            ChildRow(
                "cp_plans_started",
                window.code,
                r["child"],
                i["age_band"],
                True,
                r["start"],
                r.get("end"),
                {"initial_category": i["initial_category"]},
            )
        )
        out.children.append(
            ChildRow(
                "cp_plans_second_subsequent_pct",
                window.code,
                r["child"],
                i["age_band"],
                c,
                r["start"],
                r.get("end"),
                {"previous_plans": str(int(r.get("previous") or 0))},
            )
        )
    ended = [r for r in rows if r.get("end") in window and r.get("start")]
    long = [(r["end"] >= add_years(r["start"], 2), r) for r in ended]
    n_long = sum(1 for c, _ in long if c)
    if ended:
        out.figures.append(Figure("cp_plans_2_years_plus", window.code, float(n_long)))
    out.figures += rate_figures("cp_plans_2_years_plus_pct", window.code, [(c, {}) for c, _ in long])
    for c, r in long:
        out.children.append(
            ChildRow(
                "cp_plans_2_years_plus_pct", window.code, r["child"], _band(r, r["start"]), c, r["start"], r["end"], {}
            )
        )
    return out


def compute(annex: AnnexA, window: Window | None = None) -> Measured:
    """Every Annex A measure the workbook's lists allow, for its window."""
    window = window or window_of(annex)
    lists = annex.lists
    out = Measured()
    out += contacts(lists.get(1), window)
    out += referrals(lists.get(3), window)
    out += contacts_to_referral(lists.get(1), lists.get(3), window)
    out += re_referrals(lists.get(3), window)
    out += referrals_nfa(lists.get(3), window)
    out += assessments_in_time(lists.get(4), window)
    out += icpcs_in_time(lists.get(5), window)
    out += cp_plans(lists.get(7), window)
    seen: set[tuple] = set()  # a one-month window: its monthly figures are the window's own
    out.figures = [
        f
        for f in out.figures
        if (k := (f.indicator, f.period, f.breakdown_dimension, f.breakdown_value)) not in seen and not seen.add(k)
    ]
    for n, what in (
        (1, "contacts"),
        (3, "referrals, re-referrals and NFA"),
        (4, "assessments in time"),
        (5, "conferences in time"),
        (7, "child protection plans"),
    ):
        if n not in lists:
            out.notes.append(f"list {n} ({LIST_NAMES[n]}) not found: {what} not computed")
    return out
