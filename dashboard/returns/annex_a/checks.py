"""The checks on each Annex A cell (a real date, a whole number, yes or no) and across the cells of a row (dates
in order, a category of abuse). Every error names the sheet, row and column."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from dashboard.returns.annex_a.codes import (
    NO,
    YES,
    category,
    normalise,
)
from dashboard.returns.common import (
    Errors,
    parse_date,
)


def read_value(raw: object, kind: str, where: str, column: str, errors: Errors) -> object:
    if raw is None or raw == "":
        return None
    if kind == "id":
        return str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()
    if kind == "date":
        try:
            return parse_date(raw)
        except ValueError as e:
            errors.add(where, column, str(e))
            return None
    if kind == "int":
        try:
            v = float(raw)
            if not v.is_integer() or v < 0:
                raise ValueError
            return int(v)
        except (TypeError, ValueError):
            errors.add(where, column, f"'{raw}' is not a whole number")
            return None
    if kind == "yesno":
        t = normalise(raw)
        if t in YES:
            return True
        if t in NO:
            return False
        errors.add(where, column, f"'{raw}' is not yes or no (write Yes or No)")
        return None
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    return str(raw).strip()


def check_list(list_no: int, df: pd.DataFrame, headers: dict[str, str], errors: Errors) -> None:
    """Checks across columns of one row."""
    if df.empty:
        return
    for r in df.itertuples(index=False):
        d = r._asdict()
        if list_no == 4 and d.get("authorised") and d.get("start") and d["authorised"] < d["start"]:
            errors.add(d["where"], headers["authorised"], "is before the assessment started")
        if list_no == 5 and d.get("icpc") and d.get("strategy") and d["icpc"] < d["strategy"]:
            errors.add(d["where"], headers["icpc"], "is before the strategy discussion")
        if list_no == 7:
            if d.get("end") and d.get("start") and d["end"] < d["start"]:
                errors.add(d["where"], headers["end"], "is before the plan started")
            if d.get("category") and category(d["category"]) is None:
                errors.add(
                    d["where"],
                    headers["category"],
                    f"'{d['category']}' is not a category of abuse (neglect, "
                    "physical, sexual, emotional or multiple; NEG, PHY, "
                    "SAB, EMO, MUL)",
                )
            if d.get("category") is None and d.get("start"):
                errors.add(d["where"], headers["category"], "is empty; every plan has an initial category")
        if list_no in (1, 3) and d.get("date") is None and d.get("child"):
            errors.add(d["where"], headers["date"], "is empty; give the date (dd/mm/yyyy)")
        if list_no == 3 and d.get("nfa") is None and d.get("child"):
            errors.add(d["where"], headers["nfa"], "is empty; write Yes or No")
        if list_no == 7 and d.get("previous") is None and d.get("child"):
            errors.add(d["where"], headers["previous"], "is empty; write 0 when the child had no previous plan")
