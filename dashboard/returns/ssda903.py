"""Looked-after children's indicators computed from the SSDA903 return (rule version ``ssda903/1``).

Guidance followed (code meanings checked against the DfE's "Children looked after by local authorities in
England" guide to the SSDA903 collection and its technical specification; the rules are our own code):

* Tables: Header (CHILD, SEX, DOB, ETHNIC, ...), Episodes (CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER,
  DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN) and OC3 (CHILD, DOB, IN_TOUCH, ACTIV, ACCOM). Other
  903 tables in the folder are recognised and left aside. Dates are dd/mm/yyyy.
* A file belongs to the collection year named in its file or folder name (``2024`` or ``2023-24``: the year
  ending 31 March 2024); a file with no year belongs to ``--year``. Earlier years' Episodes give the history the
  long-term measure needs (how long a child has been looked after and placed).
* RNE (reason for new episode): S started to be looked after; L change of legal status only; P change of
  placement and carer(s); T change of placement, same carer(s); B change of legal status and of placement and
  carer(s); U change of legal status and of placement, same carer(s). A new placement starts with S, P, B, T or
  U; a new carer with S, P or B (the "same carer" wording of long-term stability).
* LS V3/V4 are agreed series of short breaks: those episodes are left out of every measure (the DfE excludes
  children looked after under a series of short-term placements).
* PLACE T0-T4 are temporary placements (hospital, holiday, carer's holiday, seven days or less): they are never
  a placement of their own; the placement they interrupt continues, and a return to the same placement (same
  PLACE, provider, URN and postcode) after one is not a new placement.

Measures (one function each):

* ``children_looked_after``: children with an episode open at the end of 31 March (DEC blank or later),
  by placement type, age band, legal status, sex and ethnicity (snapshot period ``YYYY-03-31``).
* ``three_plus_placements``: of those children, the percentage with three or more placements during the year
  (placements in force at any time from 1 April to 31 March, counted as above).
* ``long_term_stability``: children under 16 at 31 March, looked after continuously for at least 2.5 years,
  who have been in the same placement (``wording='placement'``, the older wording) or with the same carer
  (``wording='carer'``, the current wording) for at least 2 years, or who are placed for adoption (PLACE A3-A6)
  and whose adoptive placement and the placement before it together last at least 2 years.
* ``care_leaver_outcomes``: OC3 care leavers by their age at their birthday in the year (17-18 and 19-21; the
  headline is 19-21): in touch (IN_TOUCH YES), in education, employment or training (ACTIV F*/P*; G* is NEET;
  0 is no information), in suitable accommodation (ACCOM ending 1; ending 2 is unsuitable; 0 is no
  information). Every OC3 row of the age is in the denominator, "no information" included.

Stitching (``stitch_episodes``): episodes from several years' files are joined into one history per child.
Each repair is logged (file and row, never the child's id):

1. the same episode (child and start date) in two years' files: the later return's version is kept (logged
   when the two differ in anything but the end date and reason);
2. an exact duplicate row in one file is dropped;
3. an open episode followed by another: closed when the next begins (REC X1), or, when the next starts a new
   period of care (RNE S), the day before it and no later than 1 April after its own return's year;
4. an open episode in an earlier year's file of a child missing from the later returns: closed on 1 April
   after its year (still looked after at 31 March, as that return said), reason E99 "not recorded";
5. an episode that overlaps the next: ended when the next begins;
6. an episode ended with REC X1 ("next episode begins the same day") that leaves a gap: ended when the next
   begins.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dashboard.returns.common import (
    ChildRow,
    Errors,
    Measured,
    Repair,
    add_years,
    age_band,
    age_in_years,
    count_figures,
    parse_date,
    rate_figures,
)
from data_access.importer import ImportRejected, RowError
from data_access.periods import financial_year, snapshot

RULE_VERSION = "ssda903/1"

# Columns that identify each 903 table (the DfE CSV headers).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
}
# Columns the measures read (a file must have these; the rest of the DfE columns may be missing).
NEEDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "Episodes": ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"),
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC"),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
}
# Other 903 tables, recognised so they are not reported as unknown files.
OTHER_TABLES: dict[str, tuple[str, ...]] = {
    "Reviews": ("CHILD", "REVIEW", "REVIEW_CODE"),
    "UASC": ("CHILD", "DUC"),
    "OC2": ("CHILD", "SDQ_SCORE"),
    "AD1": ("CHILD", "DATE_INT", "DATE_MATCH"),
    "PlacedAdoption": ("CHILD", "DATE_PLACED"),
    "PrevPerm": ("CHILD", "PREV_PERM"),
    "Missing": ("CHILD", "MISSING", "MIS_START"),
    "SWEpisodes": ("CHILD", "SW_ID", "SW_DECOM"),
}
REQUIRED_TABLES = ("Header", "Episodes", "OC3")

RNE_CODES = {"S", "L", "P", "T", "B", "U"}
NEW_PLACEMENT = {"S", "P", "B", "T", "U"}  # a new placement starts with one of these
NEW_CARER = {"S", "P", "B"}  # ... and a new carer with one of these (T and U keep the same carer)
LS_CODES = {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"}
SHORT_BREAKS = {"V3", "V4"}
PLACE_CODES = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1",
               "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"}
TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}
PLACED_FOR_ADOPTION = {"A3", "A4", "A5", "A6"}
PROVIDER_CODES = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}
REC_CODES = {"X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E43", "E44", "E45", "E46", "E47",
             "E48", "E5", "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17"}
REC_NOT_RECORDED = "E99"  # set by repair 3/4 only: the return does not say why the episode ended
SEX_CODES = {"1": "male", "2": "female"}
ETHNIC_GROUPS = {
    **dict.fromkeys(("WBRI", "WIRI", "WOTH", "WIRT", "WROM"), "white"),
    **dict.fromkeys(("MWBC", "MWBA", "MWAS", "MOTH"), "mixed"),
    **dict.fromkeys(("AIND", "APKN", "ABAN", "AOTH"), "asian"),
    **dict.fromkeys(("BCRB", "BAFR", "BOTH"), "black"),
    **dict.fromkeys(("CHNE", "OOTH"), "other_ethnic_group"),
    **dict.fromkeys(("REFU", "NOBT"), "not_known"),
}
IN_TOUCH_CODES = {"YES", "NO", "DIED", "REFU", "NREQ", "RHOM"}
EET = {"F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5"}
NEET = {"G4", "G5", "G6"}
ACTIV_CODES = EET | NEET | {"0"}
ACCOM_CODES = {f"{c}{s}" for c in "BCDEGHKRSTUVWXYZ" for s in "12"} | {"0"}

PLACEMENT_TYPES = {
    **dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6"), "foster_care"),
    **dict.fromkeys(("A3", "A4", "A5", "A6"), "placed_for_adoption"),
    "P1": "placed_with_parents",
    "K1": "secure_childrens_home",
    **dict.fromkeys(("K2", "R1"), "residential_childrens_home"),
    **dict.fromkeys(("H5", "K3"), "semi_independent_living"),
    "P2": "independent_living",
    "S1": "residential_special_school",
    **dict.fromkeys(("R2", "R3", "R5"), "other_residential_setting"),
    **dict.fromkeys(("P3", "Z1", "T0", "T1", "T2", "T3", "T4"), "other_placement"),
}
LEGAL_STATUS = {
    "C1": "interim_care_order", "C2": "full_care_order", "D1": "placement_order", "E1": "placement_order",
    "V2": "section_20", "V3": "short_breaks", "V4": "short_breaks",
    "L1": "emergency_protection", "L2": "emergency_protection", "L3": "emergency_protection",
    "J1": "youth_justice", "J2": "youth_justice", "J3": "youth_justice",
}
WORDINGS = ("placement", "carer")
# Placement identity: a return from a temporary placement to the same one is not a new placement.
_SAME_PLACEMENT = ("PLACE", "PLACE_PROVIDER", "URN", "PL_POST")
# What makes two versions of one episode (same child and start) the same episode.
_EPISODE_CONTENT = ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "URN", "PL_POST")


def year_start(year: int) -> date:
    """1 April at the start of the collection year ending 31 March `year`."""
    return date(year - 1, 4, 1)


def year_end(year: int) -> date:
    return date(year, 3, 31)


# ------------------------------------------------------------------ finding and reading files


@dataclass(frozen=True)
class SourceFile:
    path: Path
    table: str
    year: int


@dataclass
class Return903:
    """A council's 903 tables for one collection year, with earlier years' episodes stitched in."""

    year: int
    header: dict[str, dict]  # CHILD -> {SEX, DOB, ETHNIC}
    episodes: list[dict]  # stitched, sorted by child and start date
    oc3: list[dict]
    files: list[SourceFile]
    repairs: list[Repair] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # CSV files in the folder that are not 903 tables

    def file_name(self, table: str) -> str:
        return next(f.path.name for f in self.files if f.table == table and f.year == self.year)


_YEAR_PAIR = re.compile(r"(?<!\d)(20\d{2})[-_ ]?(\d{2})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def year_of(path: Path, folder: Path, default: int) -> int:
    """The collection year a file belongs to, from its name or its folders' names (``2024``, ``2023-24``)."""
    parts = [path.stem, *[p.name for p in path.relative_to(folder).parents if p.name]]
    for part in parts:
        for m in _YEAR_PAIR.finditer(part):
            if (int(m[1]) + 1) % 100 == int(m[2]):
                return int(m[1]) + 1
        m = _YEAR.search(part)
        if m:
            return int(m[1])
    return default


def identify(columns: list[str]) -> str | None:
    """Which 903 table a header row belongs to, or None."""
    cols = set(columns)
    for table, needed in NEEDED_COLUMNS.items():
        if set(needed) <= cols and (table != "Header" or "DECOM" not in cols):
            return table
    for table, needed in OTHER_TABLES.items():
        if set(needed) <= cols:
            return table
    return None


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # 903 exports from older case systems
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return [], []
    header = [h.strip().upper() for h in rows[0]]
    data = [(n, dict(zip(header, (c.strip() for c in cells), strict=False)))
            for n, cells in enumerate(rows[1:], start=2) if any(c.strip() for c in cells)]
    return header, data


def find_files(folder: Path, year: int) -> tuple[list[SourceFile], list[str]]:
    """The 903 tables in a folder (searched recursively), and the CSV files that are not 903 tables."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportRejected([RowError("folder", "", f"{folder} is not a folder; give the folder that holds the "
                                                     "903 CSV files (Header, Episodes, OC3)")])
    found: list[SourceFile] = []
    unknown: list[str] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        with path.open("rb") as f:
            first = f.readline().decode("utf-8-sig", errors="replace")
        columns = [c.strip().upper() for c in next(csv.reader([first]), [])]
        table = identify(columns)
        if table is None:
            unknown.append(path.name)
        else:
            found.append(SourceFile(path, table, year_of(path, folder, year)))
    errors = Errors()
    seen: dict[tuple[str, int], SourceFile] = {}
    for f in found:
        if (f.table, f.year) in seen and f.table in NEEDED_COLUMNS:
            errors.add(f.path.name, "", f"a second {f.table} table for {f.year} (the first is "
                                        f"{seen[(f.table, f.year)].path.name}); keep one file per table and year")
        seen[(f.table, f.year)] = f
    for t in REQUIRED_TABLES:
        if (t, year) not in seen:
            cols = ", ".join(NEEDED_COLUMNS[t])
            errors.add("folder", "", f"no {t} table for {year} (a CSV whose header has {cols}); name files with "
                                     f"their year, e.g. {t.lower()}_{year}.csv, or give --year")
    errors.raise_if_any()
    return [f for f in found if f.table in NEEDED_COLUMNS and f.year <= year], unknown


def read_return(folder: Path | str, year: int, progress: Callable[[str], None] | None = None) -> Return903:
    """Read, check and stitch a folder of 903 CSV files for the year ending 31 March `year`.
    Raise ImportRejected naming every bad file, row and column; nothing is returned partly read."""
    files, unknown = find_files(Path(folder), year)
    errors = Errors()
    headers: dict[int, dict[str, dict]] = {}
    episodes: list[dict] = []
    oc3: list[dict] = []
    order = {"Header": 0, "Episodes": 1, "OC3": 2}
    for f in sorted(files, key=lambda f: (f.year, order[f.table])):
        if progress:
            progress(f.path.name)
        columns, rows = _read_csv(f.path)
        missing = [c for c in NEEDED_COLUMNS[f.table] if c not in columns]
        if missing:
            errors.add(f"{f.path.name}, row 1", ", ".join(missing), f"missing from the {f.table} table's header")
            continue
        if not rows:
            errors.add(f.path.name, "", f"the {f.table} table has a header but no rows")
            continue
        if f.table == "Header":
            headers[f.year] = _check_header(f, rows, errors)
        elif f.table == "Episodes":
            episodes += _check_episodes(f, rows, headers.get(f.year), errors)
        elif f.year == year:
            oc3 = _check_oc3(f, rows, headers.get(f.year, {}), errors)
    errors.raise_if_any()
    header: dict[str, dict] = {}
    for y in sorted(headers):  # the latest return's Header wins
        header.update(headers[y])
    stitched, repairs = stitch_episodes(episodes, latest_year=max(f.year for f in files))
    _check_births(stitched, header, errors)
    errors.raise_if_any()
    return Return903(year, header, stitched, oc3, files, repairs, unknown)


def _code(where: str, row: dict, col: str, allowed: set[str], errors: Errors, *, blank_ok: bool = False
          ) -> str:
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


def _one_row_each(f: SourceFile, rows: list[tuple[int, dict]], errors: Errors, *, whose: str, again: str
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


def _check_header(f: SourceFile, rows: list[tuple[int, dict]], errors: Errors) -> dict[str, dict]:
    out: dict[str, dict] = {}
    again = "the same child as row {row}; the Header has one row per child"
    for row, where, child in _one_row_each(f, rows, errors, whose="the child's", again=again):
        out[child] = {"SEX": _code(where, row, "SEX", set(SEX_CODES), errors),
                      "DOB": _date(where, row, "DOB", errors),
                      "ETHNIC": _code(where, row, "ETHNIC", set(ETHNIC_GROUPS), errors), "where": where}
    return out


def _check_episodes(f: SourceFile, rows: list[tuple[int, dict]], header: dict | None, errors: Errors
                    ) -> list[dict]:
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
            errors.add(where, "CHILD", f"this child has no row in the {f.year} Header table; every child in "
                                       "Episodes needs one")
        e = {"CHILD": child, "YEAR": f.year, "where": where, "_n": n,
             "DECOM": _date(where, row, "DECOM", errors),
             "RNE": _code(where, row, "RNE", RNE_CODES, errors),
             "LS": _code(where, row, "LS", LS_CODES, errors),
             "CIN": (row.get("CIN") or "").strip().upper(),
             "PLACE": _code(where, row, "PLACE", PLACE_CODES, errors),
             "PLACE_PROVIDER": _code(where, row, "PLACE_PROVIDER", PROVIDER_CODES, errors, blank_ok=True)
             if "PLACE_PROVIDER" in row else "",
             "DEC": _date(where, row, "DEC", errors, blank_ok=True),
             "REC": _code(where, row, "REC", REC_CODES, errors, blank_ok=True),
             "REASON_PLACE_CHANGE": (row.get("REASON_PLACE_CHANGE") or "").strip().upper(),
             "PL_POST": (row.get("PL_POST") or "").strip().upper(), "URN": (row.get("URN") or "").strip().upper()}
        if e["DECOM"] and e["DECOM"] > end:
            errors.add(where, "DECOM", f"{e['DECOM']:%d/%m/%Y} is after the end of the {f.year} return "
                                       f"({end:%d/%m/%Y}); is the file in the right year?")
        if e["DEC"] and e["DECOM"] and e["DEC"] < e["DECOM"]:
            errors.add(where, "DEC", f"{e['DEC']:%d/%m/%Y} is before the episode began "
                                     f"({e['DECOM']:%d/%m/%Y})")
        if e["DEC"] and e["DEC"] > end:
            errors.add(where, "DEC", f"{e['DEC']:%d/%m/%Y} is after the end of the {f.year} return "
                                     f"({end:%d/%m/%Y}); leave DEC empty for an episode open at 31 March")
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
                errors.add(where, "DECOM", f"the same child has another episode starting the same day (row {m}) "
                                           "with different details; keep the right one")
                continue
        seen[key] = (n, row)
        out.append(e)
    return out


def care_leaver_age(dob: date, year: int) -> int:
    """A care leaver's age at their birthday in the collection year (1 April to 31 March)."""
    birthday_this_year = add_years(dob, year - dob.year)  # the birthday in calendar year `year`
    return year - dob.year if birthday_this_year <= year_end(year) else year - 1 - dob.year


def _check_oc3(f: SourceFile, rows: list[tuple[int, dict]], header: dict, errors: Errors) -> list[dict]:
    out = []
    again = "the same young person as row {row}; OC3 has one row each"
    for row, where, child in _one_row_each(f, rows, errors, whose="the care leaver's", again=again):
        if header and child not in header:
            errors.add(where, "CHILD", f"this young person has no row in the {f.year} Header table")
        dob = _date(where, row, "DOB", errors)
        r = {"CHILD": child, "DOB": dob, "where": where,
             "IN_TOUCH": _code(where, row, "IN_TOUCH", IN_TOUCH_CODES, errors),
             "ACTIV": _code(where, row, "ACTIV", ACTIV_CODES, errors),
             "ACCOM": _code(where, row, "ACCOM", ACCOM_CODES, errors)}
        if dob is not None:
            age = care_leaver_age(dob, f.year)
            if not 17 <= age <= 21:
                errors.add(where, "DOB", f"this young person turns {age} in the year to 31/03/{f.year}; OC3 is for "
                                         "care leavers whose 17th to 21st birthday falls in the year")
            r["AGE"] = age
        out.append(r)
    return out


def _check_births(episodes: list[dict], header: dict[str, dict], errors: Errors) -> None:
    for e in episodes:
        dob = header.get(e["CHILD"], {}).get("DOB")
        if dob and e["DECOM"] < dob:
            errors.add(e["where"], "DECOM", f"{e['DECOM']:%d/%m/%Y} is before the child's date of birth in the "
                                            "Header table")


# ------------------------------------------------------------------ stitching years together


def stitch_episodes(episodes: list[dict], latest_year: int) -> tuple[list[dict], list[Repair]]:
    """Join episodes from several years' returns into one history per child, repairing open, overlapping and
    duplicate episodes by the rules in the module docstring. Returns new dicts; the input is not changed."""
    repairs: list[Repair] = []
    by_key: dict[tuple[str, date], dict] = {}
    for e in sorted(episodes, key=lambda e: (e["YEAR"], e["_n"])):
        key = (e["CHILD"], e["DECOM"])
        prev = by_key.get(key)
        if prev is not None:
            if prev["YEAR"] == e["YEAR"]:
                repairs.append(Repair(e["where"], "duplicate", f"repeats {prev['where']} exactly; one copy kept"))
                continue
            changed = [c for c in _EPISODE_CONTENT if prev[c] != e[c]]
            if changed:
                repairs.append(Repair(prev["where"], "replaced by a later return",
                                      f"{e['where']} gives this episode with a different {', '.join(changed)}; "
                                      f"the {e['YEAR']} return's version is kept"))
        by_key[key] = dict(e)
    out = sorted(by_key.values(), key=lambda e: (e["CHILD"], e["DECOM"]))
    for i, e in enumerate(out):
        nxt = out[i + 1] if i + 1 < len(out) and out[i + 1]["CHILD"] == e["CHILD"] else None
        if e["DEC"] is None and nxt is not None:
            if nxt["RNE"] == "S":
                e["DEC"] = min(nxt["DECOM"] - timedelta(days=1), year_end(e["YEAR"]) + timedelta(days=1))
                e["DEC"] = max(e["DEC"], e["DECOM"])
                e["REC"] = REC_NOT_RECORDED
                repairs.append(Repair(e["where"], "open episode closed",
                                      f"left open, but {nxt['where']} starts a new period of care; ended "
                                      f"{e['DEC']:%d/%m/%Y}, reason not recorded"))
            else:
                e["DEC"], e["REC"] = nxt["DECOM"], "X1"
                repairs.append(Repair(e["where"], "open episode closed",
                                      f"left open, but {nxt['where']} follows it; ended when that began "
                                      f"({nxt['DECOM']:%d/%m/%Y})"))
        elif e["DEC"] is None and e["YEAR"] < latest_year:
            e["DEC"], e["REC"] = year_end(e["YEAR"]) + timedelta(days=1), REC_NOT_RECORDED
            repairs.append(Repair(e["where"], "open episode closed",
                                  f"open at 31/03/{e['YEAR']} but the child is not in the later returns; ended "
                                  f"{e['DEC']:%d/%m/%Y}, reason not recorded"))
        if nxt is None or e["DEC"] is None:
            continue
        if e["DEC"] > nxt["DECOM"]:
            days = (e["DEC"] - nxt["DECOM"]).days
            e["DEC"] = nxt["DECOM"]
            repairs.append(Repair(e["where"], "overlap", f"overlapped {nxt['where']} by {days} day"
                                  f"{'s' if days > 1 else ''}; ended when that began ({nxt['DECOM']:%d/%m/%Y})"))
        elif e["DEC"] < nxt["DECOM"] and e["REC"] == "X1":
            e["DEC"] = nxt["DECOM"]
            repairs.append(Repair(e["where"], "gap after X1", f"REC X1 says the next episode began the same day, "
                                  f"but {nxt['where']} begins {nxt['DECOM']:%d/%m/%Y}; ended then"))
        elif e["DEC"] < nxt["DECOM"] and nxt["RNE"] != "S":
            repairs.append(Repair(nxt["where"], "gap", f"care had ended on {e['DEC']:%d/%m/%Y} but this episode "
                                  f"is not a new start (RNE {nxt['RNE']}); read as a new period of care"))
    return out, repairs


# ------------------------------------------------------------------ placements


@dataclass
class Spell:
    """One placement (or one carer, for the carer wording): from the episode that began it to the last one."""

    start: date
    end: date | None
    place: str
    period: int  # which period of care (0, 1, ...) of the child's known history
    known_start: bool  # False when it began before the earliest return read


def _same_placement(a: dict, b: dict) -> bool:
    return all(a.get(c, "") == b.get(c, "") for c in _SAME_PLACEMENT)


def placement_spells(child_episodes: list[dict], wording: str = "placement") -> list[Spell]:
    """A child's placements (or carers) in date order, from their stitched episodes. Short breaks (LS V3/V4) are
    left out; temporary placements (T0-T4) extend the placement they interrupt and are never one of their own."""
    changes = NEW_PLACEMENT if wording == "placement" else NEW_CARER
    spells: list[Spell] = []
    prev: dict | None = None
    last_placed: dict | None = None
    period = -1
    after_temporary = False
    for e in child_episodes:
        if e["LS"] in SHORT_BREAKS:
            continue
        new_period = prev is None or e["RNE"] == "S" or prev["DEC"] is None or prev["DEC"] < e["DECOM"]
        if new_period:
            period += 1
            last_placed = None
        if e["PLACE"] in TEMPORARY:
            if last_placed is not None:
                spells[-1].end = e["DEC"]  # the placement is held open while the child is away
            after_temporary = True
            prev = e
            continue
        if last_placed is None:
            begins = True
        elif after_temporary:
            begins = not _same_placement(e, last_placed)
        else:
            begins = e["RNE"] in changes
        if begins:
            known = not (prev is None and e["RNE"] != "S")
            spells.append(Spell(e["DECOM"], e["DEC"], e["PLACE"], period, known))
        else:
            spells[-1].end = e["DEC"]
            spells[-1].place = e["PLACE"]
        last_placed, prev, after_temporary = e, e, False
    return spells


def _by_child(episodes: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in episodes:
        out.setdefault(e["CHILD"], []).append(e)
    return out


def _open_at(eps: list[dict], d: date) -> dict | None:
    """The child's episode (not a short break) open at the end of day `d`."""
    for e in eps:
        if e["LS"] not in SHORT_BREAKS and e["DECOM"] <= d and (e["DEC"] is None or e["DEC"] > d):
            return e
    return None


def _spell_at(spells: list[Spell], d: date) -> Spell | None:
    for s in spells:
        if s.start <= d and (s.end is None or s.end > d):
            return s
    return None


def _period_start(eps: list[dict], current: dict) -> tuple[date, bool]:
    """When the period of care that includes `current` began (short breaks aside), and whether that is known
    (False when the child's earliest return read already finds them in care)."""
    care = [e for e in eps if e["LS"] not in SHORT_BREAKS]
    i = care.index(current)
    while i > 0:
        e, before = care[i], care[i - 1]
        if e["RNE"] == "S" or before["DEC"] is None or before["DEC"] < e["DECOM"]:
            return e["DECOM"], True
        i -= 1
    return care[i]["DECOM"], care[i]["RNE"] == "S"


# ------------------------------------------------------------------ measures


def _dims(ret: Return903, child: str, on: date, place: str | None = None) -> dict[str, str]:
    h = ret.header.get(child, {})
    d = {"age_band": age_band(h.get("DOB"), on), "sex": SEX_CODES.get(h.get("SEX", ""), "not_known"),
         "ethnicity": ETHNIC_GROUPS.get(h.get("ETHNIC", ""), "not_known")}
    if place is not None:
        d["placement_type"] = PLACEMENT_TYPES.get(place, "other_placement")
    return d


def children_looked_after(ret: Return903, year: int | None = None) -> Measured:
    """Children looked after at 31 March (short breaks excluded), with their breakdowns."""
    year = year or ret.year
    ye = year_end(year)
    period = snapshot(ye).code
    out = Measured()
    items = []
    for child, eps in _by_child(ret.episodes).items():
        e = _open_at(eps, ye)
        if e is None:
            continue
        spell = _spell_at(placement_spells(eps), ye)
        place = spell.place if spell else e["PLACE"]
        dims = {**_dims(ret, child, ye, place), "legal_status": LEGAL_STATUS[e["LS"]]}
        items.append(dims)
        start, _ = _period_start(eps, e)
        out.children.append(ChildRow("children_looked_after", period, child, dims["age_band"], True, start, None,
                                     {"LS": e["LS"], "PLACE": place}))
    out.figures = count_figures("children_looked_after", period, items,
                                ("placement_type", "age_band", "legal_status", "sex", "ethnicity"))
    return out


def three_plus_placements(ret: Return903, year: int | None = None) -> Measured:
    """Children looked after at 31 March with three or more placements during the year, % of all of them."""
    year = year or ret.year
    ys, ye = year_start(year), year_end(year)
    period = financial_year(year - 1).code
    out = Measured()
    flags = []
    for child, eps in _by_child(ret.episodes).items():
        if _open_at(eps, ye) is None:
            continue
        spells = placement_spells(eps, "placement")
        in_year = [s for s in spells if s.start <= ye and (s.end is None or s.end > ys)]
        current = _spell_at(spells, ye)
        dims = _dims(ret, child, ye, current.place if current else None)
        counted = len(in_year) >= 3
        flags.append((counted, dims))
        out.children.append(ChildRow("cla_3_plus_placements_pct", period, child, dims["age_band"], counted,
                                     in_year[0].start if in_year else None, None,
                                     {"placements": str(len(in_year))}))
    out.figures = rate_figures("cla_3_plus_placements_pct", period, flags,
                               ("age_band", "sex", "ethnicity", "placement_type"))
    return out


def long_term_stability(ret: Return903, year: int | None = None, wording: str = "placement") -> Measured:
    """Children under 16 looked after for 2.5+ years, in the same placement (or with the same carer) for 2+
    years or placed for adoption (with the placement before it, 2+ years), % of such children."""
    if wording not in WORDINGS:
        raise ValueError(f"wording is 'placement' or 'carer', not {wording!r}")
    year = year or ret.year
    ye = year_end(year)
    in_care_since = date(year - 3, 9, 30)  # 2.5 years before 31 March
    placed_since = date(year - 2, 3, 31)  # 2 years before 31 March
    period = financial_year(year - 1).code
    out = Measured()
    flags = []
    unknown = 0
    for child, eps in _by_child(ret.episodes).items():
        e = _open_at(eps, ye)
        dob = ret.header.get(child, {}).get("DOB")
        if e is None or dob is None or age_in_years(dob, ye) >= 16:
            continue
        start, known = _period_start(eps, e)
        if start > in_care_since:
            if not known:
                unknown += 1  # in care before the earliest return read: cannot tell how long
            continue
        spells = placement_spells(eps, wording)
        current = _spell_at(spells, ye)
        if current is None:
            continue
        counted = current.start <= placed_since
        if not counted and current.place in PLACED_FOR_ADOPTION:
            i = spells.index(current)
            before = spells[i - 1] if i > 0 else None
            counted = (before is not None and before.period == current.period and before.end == current.start
                       and before.start <= placed_since)
        dims = _dims(ret, child, ye, current.place)
        flags.append((counted, dims))
        out.children.append(ChildRow("cla_long_term_stability_pct", period, child, dims["age_band"], counted,
                                     current.start, None, {"wording": wording, "PLACE": current.place}))
    out.figures = rate_figures("cla_long_term_stability_pct", period, flags,
                               ("age_band", "sex", "ethnicity", "placement_type"))
    if unknown:
        out.notes.append(f"{unknown} children under 16 were already in care at the start of the earliest Episodes "
                         "file read, less than 2.5 years before 31 March; they are left out of long-term "
                         "stability (add earlier years' Episodes files to include them)")
    return out


CARE_LEAVER_MEASURES = {
    "care_leavers_in_touch_pct": lambda r: r["IN_TOUCH"] == "YES",
    "care_leavers_eet_pct": lambda r: r["ACTIV"] in EET,
    "care_leavers_suitable_accommodation_pct": lambda r: r["ACCOM"] != "0" and r["ACCOM"].endswith("1"),
}


def care_leaver_band(age: int) -> str:
    return "17_to_18" if age <= 18 else "19_to_21"


def care_leaver_outcomes(ret: Return903, year: int | None = None) -> Measured:
    """Care leavers in touch, in education/employment/training and in suitable accommodation (OC3): headline
    for 19-21 year olds; age_band 17_to_18 and 19_to_21; sex and ethnicity for 19-21."""
    year = year or ret.year
    period = financial_year(year - 1).code
    out = Measured()
    for code, meets in CARE_LEAVER_MEASURES.items():
        headline, bands = [], []
        for r in ret.oc3:
            band = care_leaver_band(r["AGE"])
            counted = bool(meets(r))
            dims = _dims(ret, r["CHILD"], year_end(year))
            bands.append((counted, {"age_band": band}))
            if band == "19_to_21":
                headline.append((counted, {"sex": dims["sex"], "ethnicity": dims["ethnicity"]}))
            out.children.append(ChildRow(code, period, r["CHILD"], band, counted, None, None,
                                         {"IN_TOUCH": r["IN_TOUCH"], "ACTIV": r["ACTIV"], "ACCOM": r["ACCOM"]}))
        figs = rate_figures(code, period, headline, ("sex", "ethnicity"))
        figs += [f for f in rate_figures(code, period, bands, ("age_band",)) if f.breakdown_dimension]
        out.figures += figs
    return out


def compute(ret: Return903, wording: str = "placement") -> Measured:
    """Every 903 measure for the return's year."""
    out = Measured()
    out += children_looked_after(ret)
    out += three_plus_placements(ret)
    out += long_term_stability(ret, wording=wording)
    out += care_leaver_outcomes(ret)
    return out


def sources(ret: Return903) -> dict[str, str]:
    """The file each indicator is computed from (its observations' source_document)."""
    episodes, oc3 = ret.file_name("Episodes"), ret.file_name("OC3")
    return {"children_looked_after": episodes, "cla_3_plus_placements_pct": episodes,
            "cla_long_term_stability_pct": episodes, **dict.fromkeys(CARE_LEAVER_MEASURES, oc3)}
