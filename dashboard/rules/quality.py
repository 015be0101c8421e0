"""Data-quality checks: can the board trust a figure? Each check is one pure function over the dataset.

A flag does not hide a figure: it is shown beside it (indicator page, exceptions), so the subgroup can ask why.
"""

from __future__ import annotations

import pandas as pd

from dashboard.rules.formatting import format_value

# A stated percentage is rounded by its publisher: 11.6 may stand for 11.55-11.65, 12 for 11.5-12.5.
PERCENT_ROUNDING = 0.5
# Shares of one whole should sum to 100 within this many points (rounding of each part).
SHARE_SUM_TOLERANCE = 1.5
# Dimensions whose parts make up the whole (a child is in exactly one category, age band or placement).
PARTITIONS = {"category", "initial_category", "age_band", "placement_type", "source", "mash_rag_rating"}


def percent_mismatches(obs: pd.DataFrame) -> list[dict]:
    """A percentage that does not match its own numerator and denominator (allowing for its rounding)."""
    pct = obs.loc[
        (obs["unit"] == "percent") & obs["numerator"].notna() & obs["denominator"].notna() & (obs["denominator"] > 0),
        ["indicator", "area", "period", "value", "numerator", "denominator"],
    ]
    if pct.empty:
        return []
    computed = 100 * pct["numerator"] / pct["denominator"]
    distinct = pct["value"].drop_duplicates()  # each stated value's decimals worked out once
    decimals = pct["value"].map(dict(zip(distinct, map(_decimals, distinct), strict=True)))
    tolerance = PERCENT_ROUNDING / 10.0 ** decimals.astype(float) + 1e-9
    # The numerator and denominator are rounded too: by the DfE to the nearest 10 (`tolerance`, when given) or, as
    # stated with decimals (FTE 8.6), to their last digit. The percentage may then lie anywhere they allow.
    half = pd.Series(0.0, index=pct.index)
    for col in ("numerator", "denominator"):
        stated = pct[col].drop_duplicates()
        places = pct[col].map(dict(zip(stated, map(_decimals, stated), strict=True))).astype(float)
        half = pd.concat([half, (0.5 / 10.0**places).where(places > 0, 0.0)], axis=1).max(axis=1)
    if "tolerance" in obs.columns:
        half = pd.concat([half, obs.loc[pct.index, "tolerance"]], axis=1).max(axis=1)
    low = 100 * (pct["numerator"] - half).clip(lower=0) / (pct["denominator"] + half)
    high = 100 * (pct["numerator"] + half) / (pct["denominator"] - half).clip(lower=1e-9)
    tolerance = tolerance + pd.concat([high - computed, computed - low], axis=1).max(axis=1).where(half > 0, 0.0)
    flags = []
    # Vectorised test first: a national dataset has hundreds of thousands of percentages, few of them wrong.
    for r in pct[(computed - pct["value"]).abs() > tolerance].itertuples():
        flags.append(
            _flag(
                r,
                "percent_mismatch",
                f"{format_value(r.value, 'percent')} is stated, but {format_value(r.numerator)} of "
                f"{format_value(r.denominator)} is {100 * r.numerator / r.denominator:.1f}%",
            )
        )
    return flags


def parts_versus_total(obs: pd.DataFrame) -> list[dict]:
    """Breakdowns that do not add up to the headline (counts), or shares that do not add up to 100%; and
    boroughs that do not add up to their board's total."""
    flags = []
    head = obs[obs["breakdown_dimension"] == ""]
    parts = obs[obs["breakdown_dimension"].isin(PARTITIONS)]
    keys = ["indicator", "area", "period", "breakdown_dimension"]
    # One pass of grouped sums joined to the headline, not a scan of the headline per group: a national dataset
    # has hundreds of thousands of groups.
    # `tolerance`, when given, is how far each figure may be off because its publisher rounded it.
    slack = obs["tolerance"] if "tolerance" in obs.columns else pd.Series(0.0, index=obs.index)
    groups = (
        parts[[*keys, "unit", "value", "denominator"]]
        .assign(has_den=parts["denominator"].notna(), slack=slack.loc[parts.index])
        .groupby(keys, sort=True, observed=True)
        .agg(
            unit=("unit", "first"),
            total=("value", "sum"),
            n=("value", "size"),
            dens=("has_den", "sum"),
            distinct_dens=("denominator", "nunique"),
            slack=("slack", "sum"),
        )
        .reset_index()
    )
    whole = (
        head[["indicator", "area", "period", "value"]]
        .assign(whole_slack=slack.loc[head.index])
        .rename(columns={"value": "whole"})
    )
    groups = groups.merge(whole, on=["indicator", "area", "period"], how="left", sort=False)
    # Rates within groups (each with its own denominator) are not shares of one whole.
    rates = (groups["dens"] == groups["n"]) & (groups["distinct_dens"] > 1)
    shares_over = (groups["unit"] == "percent") & ~rates & (groups["total"] > 100 + SHARE_SUM_TOLERANCE)
    counts_off = (
        (groups["unit"] == "count")
        & groups["whole"].notna()
        & (groups["n"] >= 2)
        & ((groups["total"] - groups["whole"]).abs() > groups["slack"] + groups["whole_slack"] + 1e-9)
    )
    for g in groups[shares_over | counts_off].itertuples():
        dim = str(g.breakdown_dimension).replace("_", " ")
        if g.unit == "percent":
            message = f"the {g.n} {dim} shares add up to {g.total:.1f}%, more than 100%"
        else:
            message = (
                f"the {g.n} {dim} figures add up to {format_value(g.total)}, but the total is {format_value(g.whole)}"
            )
        flags.append(
            {
                "indicator": g.indicator,
                "area": g.area,
                "period": g.period,
                "check": "parts_vs_total",
                "message": message,
            }
        )
    flags.extend(_boroughs_versus_board_total(head))
    return flags


def _boroughs_versus_board_total(head: pd.DataFrame) -> list[dict]:
    """Boroughs against their board's total, for headline counts.

    Boroughs must add up to the total only when every borough of the board gives the figure; when one is
    missing, the others can only be wrong if they already add up to more than the total.
    """
    counts = head[(head["unit"] == "count") & head["board_id"].notna()]
    totals = counts[counts["area_kind"] == "board_total"]
    boroughs = counts[counts["area_kind"] == "local_authority"]
    if totals.empty or boroughs.empty:
        return []
    # A board's boroughs: every local authority of the board that the dataset has any figure for.
    members = boroughs.groupby("board_id", observed=True)["area"].nunique().rename("members")
    sums = (
        boroughs.groupby(["board_id", "indicator", "period"], observed=True)["value"]
        .agg(borough_sum="sum", boroughs="size")
        .reset_index()
    )
    cmp = (
        totals[["id", "indicator", "area", "period", "board_id", "value"]]
        .merge(sums, on=["board_id", "indicator", "period"], how="inner", sort=False)
        .merge(members, left_on="board_id", right_index=True, how="left", sort=False)
    )
    complete = cmp["boroughs"] >= cmp["members"]
    differs = (cmp["borough_sum"] - cmp["value"]).abs() > 1e-9
    exceeds = (cmp["borough_sum"] - cmp["value"]) > 1e-9
    wrong = (cmp["boroughs"] >= 2) & ((complete & differs) | (~complete & exceeds))
    flags = []
    for r in cmp[wrong].sort_values("id", kind="stable").itertuples():
        if r.boroughs >= r.members:
            message = (
                f"the {r.boroughs} boroughs add up to {format_value(r.borough_sum)}, "
                f"but the board total is {format_value(r.value)}"
            )
        else:
            message = (
                f"the {r.boroughs} boroughs with a figure add up to {format_value(r.borough_sum)}, "
                f"more than the board total of {format_value(r.value)}"
            )
        flags.append(_flag(r, "parts_vs_total", message))
    return flags


def sources_disagree(obs: pd.DataFrame, replaced: pd.DataFrame) -> list[dict]:
    """A figure that two source documents give differently (the later import replaced the earlier value).

    Two figures that only differ by their rounding agree: 12% and 11.6% can both stand for 11.6%.
    """
    flags = []
    if replaced.empty:
        return flags
    merged = replaced.merge(obs, left_on="observation_id", right_on="id", suffixes=("_old", ""))
    merged = merged[
        (merged["source_document_old"] != merged["source_document"])
        & ((merged["value_old"] - merged["value"]).abs() > 1e-9)
    ]
    for r in merged.drop_duplicates(["observation_id", "value_old"]).itertuples():
        if _agree_within_rounding(r.value, r.value_old):
            continue
        flags.append(
            _flag(
                r,
                "sources_disagree",
                f"{r.source_document} (line {_line(r.source_line)}) gives "
                f"{format_value(r.value, r.unit)}; {r.source_document_old} "
                f"(line {_line(r.source_line_old)}) gives {format_value(r.value_old, r.unit)}",
            )
        )
    return flags


def _agree_within_rounding(a: float, b: float) -> bool:
    """True when the ranges two stated figures may stand for overlap (12 stands for 11.5-12.5, 11.6 for
    11.55-11.65). Whole numbers differ by at least 1, so counts never agree this way."""
    half_a = PERCENT_ROUNDING / 10 ** _decimals(a)
    half_b = PERCENT_ROUNDING / 10 ** _decimals(b)
    return abs(a - b) < half_a + half_b - 1e-9


def run_checks(obs: pd.DataFrame, replaced: pd.DataFrame) -> list[dict]:
    """Every check, over the whole dataset."""
    return percent_mismatches(obs) + parts_versus_total(obs) + sources_disagree(obs, replaced)


def _flag(r, check: str, message: str) -> dict:
    return {"indicator": r.indicator, "area": r.area, "period": r.period, "check": check, "message": message}


def _line(x) -> str:
    return "?" if x is None or pd.isna(x) else str(int(x))


def _decimals(v: float) -> int:
    s = repr(float(v))
    return 0 if s.endswith(".0") else len(s.split(".")[1]) if "." in s else 0
