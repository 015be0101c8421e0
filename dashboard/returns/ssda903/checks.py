"""The checks on each row of the Header, Episodes and OC3 tables: codes from the DfE code sets, real dates in
order, one row per child. Every error names the file, row and column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from dashboard.returns.common import (
    Errors,
    parse_date,
)
from dashboard.returns.ssda903.tables import (
    ACCOM_CODES,
    ACTIV_CODES,
    ETHNIC_GROUPS,
    IN_TOUCH_CODES,
    LS_CODES,
    PLACE_CODES,
    PROVIDER_CODES,
    REC_CODES,
    RNE_CODES,
    SEX_CODES,
    TABLE_COLUMNS,
    SourceFile,
    care_leaver_age,
    year_end,
)


def _code(where: str, row: dict, col: str, allowed: set[str], errors: Errors, *, blank_ok: bool = False) -> str:
    v = (row.get(col) or "").strip().upper()
    if not v:
        if not blank_ok:
            errors.add(where, col, "is empty; give a code")
        return ""
    if v not in allowed:
        shown = ", ".join(sorted(allowed)) if len(allowed) <= 30 else "the DfE code set"
        errors.add(where, col, f"'{v}' is not a valid {col} code (expected one of {shown})")
    return v


def _date(where: str, row: dict, col: str, errors: Errors, *, blank_ok: bool = False) -> date | None:
    try:
        d = parse_date(row.get(col))
    except ValueError as e:
        errors.add(where, col, str(e))
        return None
    if d is None and not blank_ok:
        errors.add(where, col, "is empty; give a date (dd/mm/yyyy)")
    return d


def _one_row_each(
    f: SourceFile, rows: list[tuple[int, dict]], errors: Errors, *, whose: str, again: str
) -> Iterator[tuple[dict, str, str]]:
    """The rows of a table that has one row per child, each with where it is and the child's id. A row without
    an id ("every row needs `whose` id") or with the id of an earlier row (`again`, with {row} for that row's
    number) is reported and left out."""
    first: dict[str, int] = {}
    for n, row in rows:
        where = f"{f.path.name}, row {n}"
        child = row.get("CHILD", "").strip()
        if not child:
            errors.add(where, "CHILD", f"is empty; every row needs {whose} id")
            continue
        if child in first:
            errors.add(where, "CHILD", again.format(row=first[child]))
            continue
        first[child] = n
        yield row, where, child


def check_header(f: SourceFile, rows: list[tuple[int, dict]], errors: Errors) -> dict[str, dict]:
    out: dict[str, dict] = {}
    again = "the same child as row {row}; the Header has one row per child"
    for row, where, child in _one_row_each(f, rows, errors, whose="the child's", again=again):
        out[child] = {
            "SEX": _code(where, row, "SEX", set(SEX_CODES), errors),
            "DOB": _date(where, row, "DOB", errors),
            "ETHNIC": _code(where, row, "ETHNIC", set(ETHNIC_GROUPS), errors),
            "where": where,
        }
    return out


def check_episodes(f: SourceFile, rows: list[tuple[int, dict]], header: dict | None, errors: Errors) -> list[dict]:
    out = []
    seen: dict[tuple[str, date], tuple[int, dict]] = {}
    end = year_end(f.year)
    for n, row in rows:
        where = f"{f.path.name}, row {n}"
        child = row.get("CHILD", "").strip()
        if not child:
            errors.add(where, "CHILD", "is empty; every row needs the child's id")
            continue
        if header is not None and child not in header:
            errors.add(
                where, "CHILD", f"this child has no row in the {f.year} Header table; every child in Episodes needs one"
            )
        e = {
            "CHILD": child,
            "YEAR": f.year,
            "where": where,
            "_n": n,
            "DECOM": _date(where, row, "DECOM", errors),
            "RNE": _code(where, row, "RNE", RNE_CODES, errors),
            "LS": _code(where, row, "LS", LS_CODES, errors),
            "CIN": (row.get("CIN") or "").strip().upper(),
            "PLACE": _code(where, row, "PLACE", PLACE_CODES, errors),
            "PLACE_PROVIDER": _code(where, row, "PLACE_PROVIDER", PROVIDER_CODES, errors, blank_ok=True)
            if "PLACE_PROVIDER" in row
            else "",
            "DEC": _date(where, row, "DEC", errors, blank_ok=True),
            "REC": _code(where, row, "REC", REC_CODES, errors, blank_ok=True),
            "REASON_PLACE_CHANGE": (row.get("REASON_PLACE_CHANGE") or "").strip().upper(),
            "PL_POST": (row.get("PL_POST") or "").strip().upper(),
            "URN": (row.get("URN") or "").strip().upper(),
        }
        if e["DECOM"] and e["DECOM"] > end:
            errors.add(
                where,
                "DECOM",
                f"{e['DECOM']:%d/%m/%Y} is after the end of the {f.year} return "
                f"({end:%d/%m/%Y}); is the file in the right year?",
            )
        if e["DEC"] and e["DECOM"] and e["DEC"] < e["DECOM"]:
            errors.add(where, "DEC", f"{e['DEC']:%d/%m/%Y} is before the episode began ({e['DECOM']:%d/%m/%Y})")
        if e["DEC"] and e["DEC"] > end:
            errors.add(
                where,
                "DEC",
                f"{e['DEC']:%d/%m/%Y} is after the end of the {f.year} return "
                f"({end:%d/%m/%Y}); leave DEC empty for an episode open at 31 March",
            )
        if e["DEC"] and not e["REC"]:
            errors.add(where, "REC", "is empty but the episode has an end date (DEC); give the reason it ended")
        if e["REC"] and not e["DEC"] and "DEC" in row:
            errors.add(where, "DEC", f"is empty but the episode has a reason for ending (REC {e['REC']})")
        if e["DECOM"] is None:
            continue
        key = (child, e["DECOM"])
        if key in seen:
            m, other = seen[key]
            if any(other.get(c, "") != row.get(c, "") for c in TABLE_COLUMNS["Episodes"]):
                errors.add(
                    where,
                    "DECOM",
                    f"the same child has another episode starting the same day (row {m}) "
                    "with different details; keep the right one",
                )
                continue
        seen[key] = (n, row)
        out.append(e)
    return out


def check_oc3(f: SourceFile, rows: list[tuple[int, dict]], header: dict, errors: Errors) -> list[dict]:
    out = []
    again = "the same young person as row {row}; OC3 has one row each"
    for row, where, child in _one_row_each(f, rows, errors, whose="the care leaver's", again=again):
        if header and child not in header:
            errors.add(where, "CHILD", f"this young person has no row in the {f.year} Header table")
        dob = _date(where, row, "DOB", errors)
        r = {
            "CHILD": child,
            "DOB": dob,
            "where": where,
            "IN_TOUCH": _code(where, row, "IN_TOUCH", IN_TOUCH_CODES, errors),
            "ACTIV": _code(where, row, "ACTIV", ACTIV_CODES, errors),
            "ACCOM": _code(where, row, "ACCOM", ACCOM_CODES, errors),
        }
        if dob is not None:
            age = care_leaver_age(dob, f.year)
            if not 17 <= age <= 21:
                errors.add(
                    where,
                    "DOB",
                    f"this young person turns {age} in the year to 31/03/{f.year}; OC3 is for "
                    "care leavers whose 17th to 21st birthday falls in the year",
                )
            r["AGE"] = age
        out.append(r)
    return out


def check_births(episodes: list[dict], header: dict[str, dict], errors: Errors) -> None:
    for e in episodes:
        dob = header.get(e["CHILD"], {}).get("DOB")
        if dob and e["DECOM"] < dob:
            errors.add(
                e["where"], "DECOM", f"{e['DECOM']:%d/%m/%Y} is before the child's date of birth in the Header table"
            )
