"""Reading an Annex A workbook: which list each sheet holds (by its name) and which column is which field (by
what its header says), tolerant of the wording of each council's case-recording system.

Front-door and child protection indicators computed from Ofsted Annex A lists (rule version ``annex-a/1``).

Annex A is the set of child-level lists a council keeps ready for an Ofsted inspection of children's services.
Read here: list 1 contacts, 3 referrals, 4 assessments, 5 section 47 enquiries and initial child protection
conferences (ICPCs), 7 child protection plans, 8 children looked after and 9 care leavers (8 and 9 are read and
checked; their statutory figures come from the SSDA903 return). Column headers differ between councils and
case-recording systems, so each column is found by what its header says (``FIELDS``), and a sheet by its name
("List 3", "L3 referrals", "Referrals"). Cells may be dates or text dd/mm/yyyy; categories may be written as the
Ofsted codes ("a) Neglect", "NEG") or in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.returns.annex_a.checks import (
    check_list,
    read_value,
)
from dashboard.returns.annex_a.codes import (
    normalise,
)
from dashboard.returns.common import (
    Errors,
)
from data_access.importer import ImportRejected, RowError

LIST_NAMES = {
    1: "contacts",
    3: "referrals",
    4: "assessments",
    5: "section 47 enquiries and ICPCs",
    7: "child protection plans",
    8: "children looked after",
    9: "care leavers",
}

# A field: (name, header patterns (first match wins), required, kind). Headers are compared lower-case, with
# punctuation turned into spaces. Kinds: id, date, text, yesno, int.
_CHILD = ("child", [r"\bchild\b.*\bid\b", r"\bchild\b.*identifier", r"\bunique\b.*\bid\b", r"^(la )?id$"], True, "id")

_DOB = ("dob", [r"date of birth", r"\bdob\b", r"birth date"], False, "date")

_AGE = ("age", [r"^age\b", r"\bage of child\b", r"\bage\b(?!.*(assess|categ))"], False, "int")

_TEAM = ("team", [r"allocated team", r"\bteam\b"], False, "text")

FIELDS: dict[int, list[tuple[str, list[str], bool, str]]] = {
    1: [
        _CHILD,
        _DOB,
        _AGE,
        ("date", [r"date of contact", r"contact.*date", r"date.*contact"], True, "date"),
        ("source", [r"contact source", r"\bsource\b"], False, "text"),
        ("outcome", [r"outcome", r"decision", r"next step"], False, "text"),
    ],
    3: [
        _CHILD,
        _DOB,
        _AGE,
        ("date", [r"date of referral", r"referral.*date", r"date.*referral"], True, "date"),
        ("source", [r"referral source", r"\bsource\b"], False, "text"),
        ("nfa", [r"\bnfa\b", r"no further action"], True, "yesno"),
        ("referrals_12m", [r"referrals.*12", r"referrals.*(last|previous) (year|twelve)"], False, "int"),
        _TEAM,
    ],
    4: [
        _CHILD,
        _DOB,
        _AGE,
        ("start", [r"assessment start", r"start date", r"\bstart"], True, "date"),
        ("authorised", [r"authori[sz]", r"complet", r"end date"], True, "date"),
        _TEAM,
    ],
    5: [
        _CHILD,
        _DOB,
        _AGE,
        ("strategy", [r"strategy", r"s47.*start", r"section 47.*start"], True, "date"),
        (
            "icpc",
            [r"date.*(initial child protection conference|icpc)", r"(initial child protection conference|icpc).*date"],
            True,
            "date",
        ),
        _TEAM,
    ],
    7: [
        _CHILD,
        _DOB,
        _AGE,
        ("start", [r"plan start", r"start date", r"\bstart"], True, "date"),
        ("category", [r"initial categ", r"^(?!.*latest).*categ"], True, "text"),
        ("end", [r"plan end", r"end date", r"\bend"], True, "date"),
        ("previous", [r"previous.*plans", r"number of previous", r"previous"], True, "int"),
        _TEAM,
    ],
    8: [
        _CHILD,
        _DOB,
        _AGE,
        ("start", [r"started to be looked after", r"date.*looked after", r"\bstart"], True, "date"),
        ("ceased", [r"ceased", r"\bend"], False, "date"),
    ],
    9: [_CHILD, _DOB, _AGE],
}

# Sheet names: "List 3", "L3", "list_3 referrals"; or the list's subject.
_SHEET_NUMBER = re.compile(r"^\s*(?:list|l)\s*[-_ ]?0?(\d{1,2})\b", re.I)

_SHEET_WORDS = [
    (9, r"care leaver|leaving care"),
    (2, r"early help"),
    (6, r"children in need|\bcin\b"),
    (7, r"protection plan|\bcpp?\b"),
    (5, r"s47|section 47|icpc|enquir|conference"),
    (1, r"contact"),
    (3, r"referral"),
    (4, r"assessment"),
    (8, r"looked after|\bcla\b|\blac\b|in care"),
    (10, r"adopt"),
]


def list_number(sheet_title: str) -> int | None:
    """Which Annex A list a sheet holds, from its name."""
    m = _SHEET_NUMBER.match(sheet_title)
    if m:
        return int(m[1])
    t = normalise(sheet_title)
    for n, pattern in _SHEET_WORDS:
        if re.search(pattern, t):
            return n
    return None


def match_headers(list_no: int, headers: list[object]) -> dict[str, int]:
    """Field name -> column index, matching each field's header patterns in order (tolerant of wording)."""
    headers_read = [normalise(h) for h in headers]
    used: set[int] = set()
    found: dict[str, int] = {}
    for name, patterns, _required, _kind in FIELDS[list_no]:
        for pattern in patterns:
            hit = next((i for i, h in enumerate(headers_read) if h and i not in used and re.search(pattern, h)), None)
            if hit is not None:
                found[name] = hit
                used.add(hit)
                break
    return found


@dataclass
class AnnexA:
    """The lists found in a workbook, one DataFrame each (columns: the field names, plus `where`)."""

    source: str
    lists: dict[int, pd.DataFrame]
    skipped: list[str] = field(default_factory=list)  # sheets that are not lists this reads


def _cell(c: object) -> object:
    if isinstance(c, str):
        return c.strip()
    return c


def read_annex_a(path: Path | str, progress: Callable[[str], None] | None = None) -> AnnexA:
    """Read and check an Annex A workbook. Raise ImportRejected naming every bad sheet, row and column."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file():
        raise ImportRejected([RowError("file", "", f"{path} does not exist")])
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises several kinds for a file that is not a workbook
        raise ImportRejected(
            [RowError("file", "", f"the workbook cannot be opened ({type(e).__name__}); save it as .xlsx")]
        ) from None
    errors = Errors()
    lists: dict[int, pd.DataFrame] = {}
    skipped: list[str] = []
    try:
        for ws in wb.worksheets:
            n = list_number(ws.title)
            if n not in FIELDS:
                skipped.append(ws.title)
                continue
            if progress:
                progress(ws.title)
            if n in lists:
                errors.add(f"sheet '{ws.title}'", "", f"a second sheet for list {n}; keep one")
                continue
            lists[n] = _read_sheet(ws, n, errors)
    finally:
        wb.close()
    if not lists and not errors:
        errors.add(
            "file",
            "",
            "no sheet is an Annex A list this reads (sheets named 'List 1' ... 'List 9', or "
            "'Contacts', 'Referrals', ...)",
        )
    errors.raise_if_any()
    return AnnexA(path.name, lists, skipped)


def _read_sheet(ws, list_no: int, errors: Errors) -> pd.DataFrame:
    rows = ws.iter_rows(values_only=True)
    header: list[object] | None = None
    header_row = 0
    for i, cells in enumerate(rows, start=1):  # title rows often sit above the header
        found = match_headers(list_no, list(cells))
        if "child" in found and len(found) >= 2:
            header, header_row = list(cells), i
            break
        if i >= 15:
            break
    name = f"sheet '{ws.title}'"
    if header is None:
        errors.add(
            name,
            "",
            f"no header row found in the first 15 rows (list {list_no} needs a column for the "
            "child's id, e.g. 'Child Unique ID')",
        )
        return pd.DataFrame()
    cols = match_headers(list_no, header)
    missing = [f[0] for f in FIELDS[list_no] if f[2] and f[0] not in cols]
    if missing:
        them = "these columns" if len(missing) > 1 else "this column"
        errors.add(
            f"{name}, row {header_row}",
            ", ".join(missing),
            f"list {list_no} ({LIST_NAMES[list_no]}) needs {them}; no header matches (rename the header, "
            f"e.g. {_example(list_no, missing[0])})",
        )
        return pd.DataFrame()
    kinds = {f[0]: f[3] for f in FIELDS[list_no]}
    out = []
    for r, cells in enumerate(rows, start=header_row + 1):
        cells = [_cell(c) for c in cells]
        if not any(c not in (None, "") for c in cells):
            continue
        where = f"{name}, row {r}"
        rec: dict[str, object] = {"where": where}
        for fname, idx in cols.items():
            raw = cells[idx] if idx < len(cells) else None
            rec[fname] = read_value(raw, kinds[fname], where, str(header[idx]), errors)
        if not rec.get("child"):
            errors.add(where, str(header[cols["child"]]), "is empty; every row needs the child's id")
        out.append(rec)
    df = pd.DataFrame(out, columns=["where", *cols.keys()])
    check_list(list_no, df, {f: str(header[i]) for f, i in cols.items()}, errors)
    return df


def _example(list_no: int, fname: str) -> str:
    examples = {
        "date": {1: "'Date of Contact'", 3: "'Date of referral'"},
        "nfa": "'Referral NFA?'",
        "start": {
            4: "'Continuous Assessment Start Date'",
            7: "'Child Protection Plan Start Date'",
            8: "'Date Started to be Looked After'",
        },
        "authorised": "'Continuous Assessment Date of Authorisation'",
        "strategy": "'Strategy discussion initiating Section 47 Enquiry Start Date'",
        "icpc": "'Date of Initial Child Protection Conference'",
        "category": "'Initial Category of Abuse'",
        "end": "'Child Protection Plan End Date'",
        "previous": "'Number of Previous Child Protection Plans'",
        "child": "'Child Unique ID'",
    }
    e = examples.get(fname, f"'{fname}'")
    return e.get(list_no, "") if isinstance(e, dict) else e
