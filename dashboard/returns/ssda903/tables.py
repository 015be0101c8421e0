"""The SSDA903 tables as the DfE defines them: their columns, the code sets, collection years and the
return as read.

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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dashboard.returns.common import (
    Repair,
    add_years,
)

# Columns that identify each 903 table (the DfE CSV headers).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
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

PLACE_CODES = {
    "A3",
    "A4",
    "A5",
    "A6",
    "H5",
    "K1",
    "K2",
    "K3",
    "P1",
    "P2",
    "P3",
    "R1",
    "R2",
    "R3",
    "R5",
    "S1",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "Z1",
}

TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}

PLACED_FOR_ADOPTION = {"A3", "A4", "A5", "A6"}

PROVIDER_CODES = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}

REC_CODES = {
    "X1",
    "E11",
    "E12",
    "E2",
    "E3",
    "E4A",
    "E4B",
    "E13",
    "E41",
    "E43",
    "E44",
    "E45",
    "E46",
    "E47",
    "E48",
    "E5",
    "E6",
    "E7",
    "E8",
    "E9",
    "E14",
    "E15",
    "E16",
    "E17",
}

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
    "C1": "interim_care_order",
    "C2": "full_care_order",
    "D1": "placement_order",
    "E1": "placement_order",
    "V2": "section_20",
    "V3": "short_breaks",
    "V4": "short_breaks",
    "L1": "emergency_protection",
    "L2": "emergency_protection",
    "L3": "emergency_protection",
    "J1": "youth_justice",
    "J2": "youth_justice",
    "J3": "youth_justice",
}

WORDINGS = ("placement", "carer")


def year_start(year: int) -> date:
    """1 April at the start of the collection year ending 31 March `year`."""
    return date(year - 1, 4, 1)


def year_end(year: int) -> date:
    return date(year, 3, 31)


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


def care_leaver_age(dob: date, year: int) -> int:
    """A care leaver's age at their birthday in the collection year (1 April to 31 March)."""
    birthday_this_year = add_years(dob, year - dob.year)  # the birthday in calendar year `year`
    return year - dob.year if birthday_this_year <= year_end(year) else year - 1 - dob.year
