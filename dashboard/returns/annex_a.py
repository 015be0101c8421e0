"""Front-door and child protection indicators computed from Ofsted Annex A lists (rule version ``annex-a/1``).

Annex A is the set of child-level lists a council keeps ready for an Ofsted inspection of children's services.
Read here: list 1 contacts, 3 referrals, 4 assessments, 5 section 47 enquiries and initial child protection
conferences (ICPCs), 7 child protection plans, 8 children looked after and 9 care leavers (8 and 9 are read and
checked; their statutory figures come from the SSDA903 return). Column headers differ between councils and
case-recording systems, so each column is found by what its header says (``FIELDS``), and a sheet by its name
("List 3", "L3 referrals", "Referrals"). Cells may be dates or text dd/mm/yyyy; categories may be written as the
Ofsted codes ("a) Neglect", "NEG") or in words.

The window: the whole months from the first to the last contact in list 1 (or referral in list 3, without list
1). Flows (contacts, referrals, conferences, plans started and ended) are counted inside the window; the figures
are for the window (a financial year code when it is one) and for each month in it.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from dashboard.returns.common import (
    ChildRow,
    Errors,
    Figure,
    Measured,
    add_years,
    age_band,
    count_figures,
    parse_date,
    rate_figures,
    snake,
)
from dashboard.returns.working_days import add_working_days, within_working_days
from data_access.importer import ImportRejected, RowError
from data_access.periods import financial_year, month, months

RULE_VERSION = "annex-a/1"
CONTACT_TO_REFERRAL_WORKING_DAYS = 5
ASSESSMENT_WORKING_DAYS = 45
ICPC_WORKING_DAYS = 15

LIST_NAMES = {1: "contacts", 3: "referrals", 4: "assessments", 5: "section 47 enquiries and ICPCs",
              7: "child protection plans", 8: "children looked after", 9: "care leavers"}

# A field: (name, header patterns (first match wins), required, kind). Headers are compared lower-case, with
# punctuation turned into spaces. Kinds: id, date, text, yesno, int.
_CHILD = ("child", [r"\bchild\b.*\bid\b", r"\bchild\b.*identifier", r"\bunique\b.*\bid\b", r"^(la )?id$"], True,
          "id")
_DOB = ("dob", [r"date of birth", r"\bdob\b", r"birth date"], False, "date")
_AGE = ("age", [r"^age\b", r"\bage of child\b", r"\bage\b(?!.*(assess|categ))"], False, "int")
_TEAM = ("team", [r"allocated team", r"\bteam\b"], False, "text")
FIELDS: dict[int, list[tuple[str, list[str], bool, str]]] = {
    1: [_CHILD, _DOB, _AGE, ("date", [r"date of contact", r"contact.*date", r"date.*contact"], True, "date"),
        ("source", [r"contact source", r"\bsource\b"], False, "text"),
        ("outcome", [r"outcome", r"decision", r"next step"], False, "text")],
    3: [_CHILD, _DOB, _AGE, ("date", [r"date of referral", r"referral.*date", r"date.*referral"], True, "date"),
        ("source", [r"referral source", r"\bsource\b"], False, "text"),
        ("nfa", [r"\bnfa\b", r"no further action"], True, "yesno"),
        ("referrals_12m", [r"referrals.*12", r"referrals.*(last|previous) (year|twelve)"], False, "int"),
        _TEAM],
    4: [_CHILD, _DOB, _AGE, ("start", [r"assessment start", r"start date", r"\bstart"], True, "date"),
        ("authorised", [r"authori[sz]", r"complet", r"end date"], True, "date"), _TEAM],
    5: [_CHILD, _DOB, _AGE, ("strategy", [r"strategy", r"s47.*start", r"section 47.*start"], True, "date"),
        ("icpc", [r"date.*(initial child protection conference|icpc)",
                  r"(initial child protection conference|icpc).*date"], True, "date"), _TEAM],
    7: [_CHILD, _DOB, _AGE, ("start", [r"plan start", r"start date", r"\bstart"], True, "date"),
        ("category", [r"initial categ", r"^(?!.*latest).*categ"], True, "text"),
        ("end", [r"plan end", r"end date", r"\bend"], True, "date"),
        ("previous", [r"previous.*plans", r"number of previous", r"previous"], True, "int"), _TEAM],
    8: [_CHILD, _DOB, _AGE, ("start", [r"started to be looked after", r"date.*looked after", r"\bstart"], True,
                             "date"),
        ("ceased", [r"ceased", r"\bend"], False, "date")],
    9: [_CHILD, _DOB, _AGE],
}
# Sheet names: "List 3", "L3", "list_3 referrals"; or the list's subject.
_SHEET_NUMBER = re.compile(r"^\s*(?:list|l)\s*[-_ ]?0?(\d{1,2})\b", re.I)
_SHEET_WORDS = [(9, r"care leaver|leaving care"), (2, r"early help"), (6, r"children in need|\bcin\b"),
                (7, r"protection plan|\bcpp?\b"), (5, r"s47|section 47|icpc|enquir|conference"),
                (1, r"contact"), (3, r"referral"), (4, r"assessment"), (8, r"looked after|\bcla\b|\blac\b|in care"),
                (10, r"adopt")]

SOURCE_GROUPS = [  # (pattern on the normalised cell, board value); first match wins
    (r"\b3c\b|school nurse", "health"),
    (r"\b1[a-d]\b|individual|family|relative|acquaint|\bself\b", "individual"),
    (r"\b2a\b|^school|\bschools?\b", "schools"),
    (r"\b2b\b|educat", "education_services"),
    (r"\b3[a-f]\b|health|\bgp\b|hospital|a e|midwi|nhs", "health"),
    (r"\b5[a-d]\b|la services|social care|early help|local authority|youth offending", "la_services"),
    (r"\b4\b|housing", "housing"),
    (r"\b6\b|police", "police"),
    (r"\b7\b|legal|court|probation|cafcass|prison|immigration", "other_legal_agency"),
    (r"\b9\b|anonym", "anonymous"),
    (r"\b10\b|unknown|not known", "unknown"),
    (r"\b8\b|other", "other"),
]
CATEGORIES = [(r"\bneg|^a\)", "neglect"), (r"\bphy|^b\)", "physical"), (r"\bsex|\bsab\b|^c\)", "sexual"),
              (r"\bemo|^d\)", "emotional"), (r"\bmul|^e\)", "multiple")]
_YES = {"y", "yes", "a yes", "true", "1"}
_NO = {"n", "no", "b no", "false", "0"}


def _norm(text: object) -> str:
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", str(text or "").lower()).split())


def list_number(sheet_title: str) -> int | None:
    """Which Annex A list a sheet holds, from its name."""
    m = _SHEET_NUMBER.match(sheet_title)
    if m:
        return int(m[1])
    t = _norm(sheet_title)
    for n, pattern in _SHEET_WORDS:
        if re.search(pattern, t):
            return n
    return None


def match_headers(list_no: int, headers: list[object]) -> dict[str, int]:
    """Field name -> column index, matching each field's header patterns in order (tolerant of wording)."""
    norm = [_norm(h) for h in headers]
    used: set[int] = set()
    found: dict[str, int] = {}
    for name, patterns, _required, _kind in FIELDS[list_no]:
        for pattern in patterns:
            hit = next((i for i, h in enumerate(norm) if h and i not in used and re.search(pattern, h)), None)
            if hit is not None:
                found[name] = hit
                used.add(hit)
                break
    return found


def source_group(cell: str) -> str:
    """An Ofsted referral/contact source (code or words) as the board's source value."""
    t = _norm(cell)
    if not t:
        return "unknown"
    for pattern, value in SOURCE_GROUPS:
        if re.search(pattern, t):
            return value
    return "other"


def category(cell: str) -> str | None:
    """A category of abuse (code, Ofsted letter or words) as neglect/physical/sexual/emotional/multiple."""
    t = str(cell or "").strip().lower()
    for pattern, value in CATEGORIES:
        if re.search(pattern, t):
            return value
    return None


# ------------------------------------------------------------------ reading the workbook


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
        raise ImportRejected([RowError("file", "", f"the workbook cannot be opened ({type(e).__name__}); save it "
                                                   "as .xlsx")]) from None
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
        errors.add("file", "", "no sheet is an Annex A list this reads (sheets named 'List 1' ... 'List 9', or "
                               "'Contacts', 'Referrals', ...)")
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
        errors.add(name, "", f"no header row found in the first 15 rows (list {list_no} needs a column for the "
                             "child's id, e.g. 'Child Unique ID')")
        return pd.DataFrame()
    cols = match_headers(list_no, header)
    missing = [f[0] for f in FIELDS[list_no] if f[2] and f[0] not in cols]
    if missing:
        them = "these columns" if len(missing) > 1 else "this column"
        errors.add(f"{name}, row {header_row}", ", ".join(missing),
                   f"list {list_no} ({LIST_NAMES[list_no]}) needs {them}; no header matches (rename the header, "
                   f"e.g. {_example(list_no, missing[0])})")
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
            rec[fname] = _value(raw, kinds[fname], where, str(header[idx]), errors)
        if not rec.get("child"):
            errors.add(where, str(header[cols["child"]]), "is empty; every row needs the child's id")
        out.append(rec)
    df = pd.DataFrame(out, columns=["where", *cols.keys()])
    _check_list(list_no, df, {f: str(header[i]) for f, i in cols.items()}, errors)
    return df


def _example(list_no: int, fname: str) -> str:
    examples = {"date": {1: "'Date of Contact'", 3: "'Date of referral'"}, "nfa": "'Referral NFA?'",
                "start": {4: "'Continuous Assessment Start Date'", 7: "'Child Protection Plan Start Date'",
                          8: "'Date Started to be Looked After'"},
                "authorised": "'Continuous Assessment Date of Authorisation'",
                "strategy": "'Strategy discussion initiating Section 47 Enquiry Start Date'",
                "icpc": "'Date of Initial Child Protection Conference'",
                "category": "'Initial Category of Abuse'", "end": "'Child Protection Plan End Date'",
                "previous": "'Number of Previous Child Protection Plans'", "child": "'Child Unique ID'"}
    e = examples.get(fname, f"'{fname}'")
    return e.get(list_no, "") if isinstance(e, dict) else e


def _value(raw: object, kind: str, where: str, column: str, errors: Errors) -> object:
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
        t = _norm(raw)
        if t in _YES:
            return True
        if t in _NO:
            return False
        errors.add(where, column, f"'{raw}' is not yes or no (write Yes or No)")
        return None
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    return str(raw).strip()


def _check_list(list_no: int, df: pd.DataFrame, headers: dict[str, str], errors: Errors) -> None:
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
                errors.add(d["where"], headers["category"], f"'{d['category']}' is not a category of abuse (neglect, "
                                                            "physical, sexual, emotional or multiple; NEG, PHY, "
                                                            "SAB, EMO, MUL)")
            if d.get("category") is None and d.get("start"):
                errors.add(d["where"], headers["category"], "is empty; every plan has an initial category")
        if list_no in (1, 3) and d.get("date") is None and d.get("child"):
            errors.add(d["where"], headers["date"], "is empty; give the date (dd/mm/yyyy)")
        if list_no == 3 and d.get("nfa") is None and d.get("child"):
            errors.add(d["where"], headers["nfa"], "is empty; write Yes or No")
        if list_no == 7 and d.get("previous") is None and d.get("child"):
            errors.add(d["where"], headers["previous"], "is empty; write 0 when the child had no previous plan")


# ------------------------------------------------------------------ the window and its periods


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def code(self) -> str:
        """The period code of the whole window."""
        if self.start.month == 4 and self.end == date(self.start.year + 1, 3, 31):
            return financial_year(self.start.year).code
        first, last = month(self.start.year, self.start.month), month(self.end.year, self.end.month)
        return first.code if first == last else months(first, last).code

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


def month_code(d: date) -> str:
    return month(d.year, d.month).code


def window_of(annex: AnnexA) -> Window:
    """Whole months from the first to the last contact (list 1), or referral (list 3) without list 1."""
    for n in (1, 3):
        df = annex.lists.get(n)
        if df is not None and not df.empty and df["date"].notna().any():
            first, last = df["date"].dropna().min(), df["date"].dropna().max()
            end = month(last.year, last.month).end
            return Window(date(first.year, first.month, 1), end)
    raise ImportRejected([RowError("file", "", "the workbook needs list 1 (contacts) or list 3 (referrals) with "
                                               "dates, to know which months it covers")])


# ------------------------------------------------------------------ measures


def _band(r: dict, on: date) -> str:
    age = r.get("age")
    return age_band(r.get("dob"), on, None if age is None or pd.isna(age) else int(age))


def _rows(df: pd.DataFrame | None) -> list[dict]:
    if df is None or df.empty:
        return []
    return [{k: (None if v is pd.NaT or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in r.items()}
            for r in df.to_dict("records")]


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
    rows = [r for r in _rows(contact_list) if r.get("date") in window]
    if contact_list is None:
        return out
    items = [{"source": source_group(r.get("source") or ""), "age_band": _band(r, r["date"])} for r in rows]
    out.figures = count_figures("contacts", window.code, items, ("source", "age_band"))
    out.figures += _monthly_counts("contacts", [r["date"] for r in rows])
    out.children = [ChildRow("contacts", window.code, r["child"], i["age_band"], True, r["date"], None,
                             {"source": i["source"]}) for r, i in zip(rows, items, strict=True)]
    return out


def referrals(referral_list: pd.DataFrame | None, window: Window) -> Measured:
    """Referrals received in the window, by source, allocated team and age band, and by month."""
    out = Measured()
    if referral_list is None:
        return out
    rows = [r for r in _rows(referral_list) if r.get("date") in window]
    items = []
    for r in rows:
        i = {"source": source_group(r.get("source") or ""), "age_band": _band(r, r["date"])}
        if r.get("team"):
            i["team"] = snake(r["team"])
        items.append(i)
    out.figures = count_figures("referrals", window.code, items, ("source", "team", "age_band"))
    out.figures += _monthly_counts("referrals", [r["date"] for r in rows])
    out.children = [ChildRow("referrals", window.code, r["child"], i["age_band"], True, r["date"], None,
                             {"source": i["source"], **({"team": i["team"]} if "team" in i else {})})
                    for r, i in zip(rows, items, strict=True)]
    return out


_CONVERTED = re.compile(r"referr")
_NOT_CONVERTED = re.compile(r"early help|\bnfa\b|no further|not referr|no referr|signpost")


def contacts_to_referral(contact_list: pd.DataFrame | None, referral_list: pd.DataFrame | None,
                         window: Window) -> Measured:
    """Contacts in the window that led to a referral, % of contacts (by contact month too)."""
    out = Measured()
    if contact_list is None:
        return out
    has_outcome = "outcome" in contact_list.columns
    if not has_outcome and referral_list is None:
        out.notes.append("contacts that became referrals: not computed (list 1 has no outcome column and there is "
                         "no list 3 to match contacts to referrals)")
        return out
    by_child: dict[str, list[date]] = {}
    for r in _rows(referral_list):
        if r.get("date"):
            by_child.setdefault(r["child"], []).append(r["date"])
    flags = []
    for r in _rows(contact_list):
        d = r.get("date")
        if d not in window:
            continue
        if has_outcome and r.get("outcome"):
            t = _norm(r["outcome"])
            converted = bool(_CONVERTED.search(t)) and not _NOT_CONVERTED.search(t)
        else:
            last = add_working_days(d, CONTACT_TO_REFERRAL_WORKING_DAYS)
            converted = any(d <= rd <= last for rd in by_child.get(r["child"], []))
        flags.append((d, converted))
        out.children.append(ChildRow("contacts_to_referral_pct", window.code, r["child"], _band(r, d), converted,
                                     d, None, {}))
    out.figures = rate_figures("contacts_to_referral_pct", window.code, [(c, {}) for _, c in flags])
    out.figures += _monthly_rates("contacts_to_referral_pct", flags)
    return out


def is_re_referral(referral_date: date, earlier: list[date], referrals_12m: int | None,
                   list_begins: date) -> bool:
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
    rows = [r for r in _rows(referral_list) if r.get("date")]
    if not rows:
        return out
    begins = min(r["date"] for r in rows)
    by_child: dict[str, list[date]] = {}
    for r in rows:
        by_child.setdefault(r["child"], []).append(r["date"])
    flags = []
    for r in rows:
        if r["date"] not in window:
            continue
        c = is_re_referral(r["date"], by_child[r["child"]], r.get("referrals_12m"), begins)
        flags.append((r["date"], c))
        out.children.append(ChildRow("re_referrals_12m_pct", window.code, r["child"], _band(r, r["date"]), c,
                                     r["date"], None, {}))
    out.figures = rate_figures("re_referrals_12m_pct", window.code, [(c, {}) for _, c in flags])
    out.figures += _monthly_rates("re_referrals_12m_pct", flags)
    if "referrals_12m" not in referral_list.columns:
        out.notes.append("re-referrals: list 3 has no 'Number of referrals in last 12 months'; referrals whose "
                         "previous year reaches back before the list are judged on the list's dates only")
    return out


def referrals_nfa(referral_list: pd.DataFrame | None, window: Window) -> Measured:
    """Referrals in the window that ended in no further action, % of referrals."""
    out = Measured()
    flags = [(r["date"], bool(r.get("nfa")), r) for r in _rows(referral_list) if r.get("date") in window]
    out.figures = rate_figures("referrals_nfa_pct", window.code, [(c, {}) for _, c, _ in flags])
    out.figures += _monthly_rates("referrals_nfa_pct", [(d, c) for d, c, _ in flags])
    out.children = [ChildRow("referrals_nfa_pct", window.code, r["child"], _band(r, d), c, d, None, {})
                    for d, c, r in flags]
    return out


def _timeliness(rows: list[dict], indicator: str, window: Window, start_key: str, done_key: str,
                days: int) -> Measured:
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
    return _timeliness(_rows(assessment_list), "assessments_within_45_days_pct", window, "start", "authorised",
                       ASSESSMENT_WORKING_DAYS)


def icpcs_in_time(s47_list: pd.DataFrame | None, window: Window) -> Measured:
    """Initial conferences held in the window within 15 working days of the strategy discussion, %."""
    return _timeliness(_rows(s47_list), "icpc_within_15_days_pct", window, "strategy", "icpc", ICPC_WORKING_DAYS)


def cp_plans(plan_list: pd.DataFrame | None, window: Window) -> Measured:
    """Plans started (by initial category and age band; by month), second or subsequent plans %, and plans
    ending in the window that lasted two years or more (count and % of plans ending)."""
    out = Measured()
    rows = _rows(plan_list)
    if plan_list is None:
        return out
    started = [r for r in rows if r.get("start") in window]
    items = [{"initial_category": category(r["category"]), "age_band": _band(r, r["start"])} for r in started]
    out.figures = count_figures("cp_plans_started", window.code, items, ("initial_category", "age_band"))
    out.figures += _monthly_counts("cp_plans_started", [r["start"] for r in started])
    repeat = [(bool(r.get("previous")), {}) for r in started]
    out.figures += rate_figures("cp_plans_second_subsequent_pct", window.code, repeat)
    for r, i, (c, _) in zip(started, items, repeat, strict=True):
        out.children.append(ChildRow("cp_plans_started", window.code, r["child"], i["age_band"], True, r["start"],
                                     r.get("end"), {"initial_category": i["initial_category"]}))
        out.children.append(ChildRow("cp_plans_second_subsequent_pct", window.code, r["child"], i["age_band"], c,
                                     r["start"], r.get("end"), {"previous_plans": str(int(r.get("previous") or 0))}))
    ended = [r for r in rows if r.get("end") in window and r.get("start")]
    long = [(r["end"] >= add_years(r["start"], 2), r) for r in ended]
    n_long = sum(1 for c, _ in long if c)
    if ended:
        out.figures.append(Figure("cp_plans_2_years_plus", window.code, float(n_long)))
    out.figures += rate_figures("cp_plans_2_years_plus_pct", window.code, [(c, {}) for c, _ in long])
    for c, r in long:
        out.children.append(ChildRow("cp_plans_2_years_plus_pct", window.code, r["child"], _band(r, r["start"]), c,
                                     r["start"], r["end"], {}))
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
    out.figures = [f for f in out.figures if (k := (f.indicator, f.period, f.breakdown_dimension,
                                                      f.breakdown_value)) not in seen and not seen.add(k)]
    for n, what in ((1, "contacts"), (3, "referrals, re-referrals and NFA"), (4, "assessments in time"),
                    (5, "conferences in time"), (7, "child protection plans")):
        if n not in lists:
            out.notes.append(f"list {n} ({LIST_NAMES[n]}) not found: {what} not computed")
    return out


def window_days(window: Window) -> int:
    return (window.end - window.start + timedelta(days=1)).days
