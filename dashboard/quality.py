"""Data-quality checks: can the board trust a figure? Each check is one pure function over the dataset.

A flag does not hide a figure: it is shown beside it (indicator page, exceptions), so the subgroup can ask why.
"""

from __future__ import annotations

import pandas as pd

from dashboard.formatting import format_value

# A stated percentage is rounded by its publisher: 11.6 may stand for 11.55-11.65, 12 for 11.5-12.5.
PERCENT_ROUNDING = 0.5
# Shares of one whole should sum to 100 within this many points (rounding of each part).
SHARE_SUM_TOLERANCE = 1.5
# Dimensions whose parts make up the whole (a child is in exactly one category, age band or placement).
PARTITIONS = {"category", "initial_category", "age_band", "placement_type", "source", "mash_rag_rating"}


def percent_mismatches(obs: pd.DataFrame) -> list[dict]:
    """A percentage that does not match its own numerator and denominator."""
    flags = []
    pct = obs[(obs["unit"] == "percent") & obs["numerator"].notna() & obs["denominator"].notna()
              & (obs["denominator"] > 0)]
    for r in pct.itertuples():
        computed = 100 * r.numerator / r.denominator
        decimals = _decimals(r.value)
        tolerance = PERCENT_ROUNDING / (10 ** decimals) + 1e-9
        if abs(computed - r.value) > tolerance:
            flags.append(_flag(r, "percent_mismatch",
                               f"{format_value(r.value, 'percent')} is stated, but {format_value(r.numerator)} of "
                               f"{format_value(r.denominator)} is {computed:.1f}%"))
    return flags


def parts_versus_total(obs: pd.DataFrame) -> list[dict]:
    """Breakdowns that do not add up to the headline (counts), or shares that do not add up to 100%; and
    boroughs that do not add up to their board's total."""
    flags = []
    head = obs[obs["breakdown_dimension"] == ""]
    parts = obs[obs["breakdown_dimension"].isin(PARTITIONS)]
    keys = ["indicator", "area", "period", "breakdown_dimension"]
    for (ind, area, period, dim), g in parts.groupby(keys, sort=True):
        unit = g["unit"].iloc[0]
        total = g["value"].sum()
        if unit == "percent":
            if total > 100 + SHARE_SUM_TOLERANCE:
                flags.append({"indicator": ind, "area": area, "period": period, "check": "parts_vs_total",
                              "message": f"the {len(g)} {dim.replace('_', ' ')} shares add up to "
                                         f"{total:.1f}%, more than 100%"})
            continue
        if unit != "count":
            continue
        whole = head[(head["indicator"] == ind) & (head["area"] == area) & (head["period"] == period)]
        if len(whole) == 1 and len(g) >= 2 and abs(total - whole["value"].iloc[0]) > 1e-9:
            w = whole["value"].iloc[0]
            flags.append({"indicator": ind, "area": area, "period": period, "check": "parts_vs_total",
                          "message": f"the {len(g)} {dim.replace('_', ' ')} figures add up to {format_value(total)}, "
                                     f"but the total is {format_value(w)}"})
    # Boroughs against the board total, for counts.
    counts = head[head["unit"] == "count"]
    totals = counts[counts["area_kind"] == "board_total"]
    boroughs = counts[counts["area_kind"] == "local_authority"]
    for r in totals.itertuples():
        members = boroughs[(boroughs["board_id"] == r.board_id) & (boroughs["indicator"] == r.indicator)
                           & (boroughs["period"] == r.period)]
        if len(members) >= 2 and abs(members["value"].sum() - r.value) > 1e-9:
            flags.append(_flag(r, "parts_vs_total",
                               f"the {len(members)} boroughs add up to {format_value(members['value'].sum())}, "
                               f"but the board total is {format_value(r.value)}"))
    return flags


def sources_disagree(obs: pd.DataFrame, replaced: pd.DataFrame) -> list[dict]:
    """A figure that two source documents give differently (the later import replaced the earlier value)."""
    flags = []
    if replaced.empty:
        return flags
    merged = replaced.merge(obs, left_on="observation_id", right_on="id", suffixes=("_old", ""))
    merged = merged[(merged["source_document_old"] != merged["source_document"])
                    & ((merged["value_old"] - merged["value"]).abs() > 1e-9)]
    for r in merged.drop_duplicates(["observation_id", "value_old"]).itertuples():
        flags.append(_flag(r, "sources_disagree",
                           f"{r.source_document} (line {_line(r.source_line)}) gives "
                           f"{format_value(r.value, r.unit)}; {r.source_document_old} (line {_line(r.source_line_old)}) "
                           f"gives {format_value(r.value_old, r.unit)}"))
    return flags


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
