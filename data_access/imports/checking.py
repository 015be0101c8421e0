"""Checking a dataset's rows against the reference data. Each rule is declared once, here, and both paths use it.

A rule is either a cell rule - a `read_*` function that turns one cell's text into the value stored, or raises
Invalid with the message the user sees - or a row rule (`RowRule`) over several read values of a row, such as "a
percentage lies within 0-100". The row path (`check_row`) applies them cell by cell and writes every error.
The frame path (`check_frame`) applies the same cell rules once per distinct text of a column (a column repeats
few values) and the same row rules to whole columns at once; every row that breaks a rule there is handed to
`check_row`, which alone writes error messages. The two paths therefore stage the same values and report the
same errors in the same order (a property test holds them to it).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from data_access.imports.report import Errors, ImportResult
from data_access.models import SOURCE_KINDS, VALUE_STATUSES, Area, Indicator, Period
from data_access.periods import Period as ParsedPeriod
from data_access.periods import PeriodError, parse_period

# The columns of a checked row, in the order of the staging table (rownum first, row_where last).
STAGING_COLS = (
    "rownum",
    "indicator_id",
    "area_id",
    "period_id",
    "breakdown_dimension",
    "breakdown_value",
    "value",
    "numerator",
    "denominator",
    "source_document",
    "source_line",
    "note",
    "derived",
    "source_kind",
    "value_status",
    "rounded",
    "row_where",
)
NON_NEGATIVE_UNITS = ("count", "rate_per_10k", "days", "weeks")
SUPPRESSED = ("c", "x", "*", "-", "n/a", "na")  # how published tables mark a hidden figure
_READ = (
    "indicator",
    "area",
    "period",
    "breakdown_dimension",
    "breakdown_value",
    "value",
    "numerator",
    "denominator",
    "unit",
    "source_document",
    "source_line",
    "note",
    "derived",
    "source_kind",
    "value_status",
    "rounded",
)  # the columns a row is read from
DERIVED_VALUES = {"": False, "no": False, "false": False, "0": False, "yes": True, "true": True, "1": True}
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # the common case, read without the general pattern


def insert_period(conn: Connection, p: ParsedPeriod) -> int:
    """Add a period in its normalised form (code, kind, dates, label, sort key) and return its id: the one way a
    period enters the database, for the importer and the official-statistics store alike."""
    return conn.execute(
        Period.__table__.insert().values(
            code=p.code, kind=p.kind, start_date=p.start, end_date=p.end, label=p.label, sort_key=p.sort_key
        )
    ).inserted_primary_key[0]


class Invalid(ValueError):
    """A cell breaks its column's rule; `message` tells the user how to put it right."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Reference:
    """Codes the rows are checked against, loaded once per import. New periods are added as they are met."""

    def __init__(self, conn: Connection, source_kind: str = "partner", area_aliases: Mapping[str, str] | None = None):
        """`source_kind`: the kind of a row whose source_kind cell is empty. `area_aliases`: other names of an area
        (ONS code, DfE number) -> its code, so a row may name an area any way a user knows it."""
        if source_kind not in SOURCE_KINDS:
            raise ValueError(f"source_kind must be one of {', '.join(SOURCE_KINDS)}, not '{source_kind}'")
        self.source_kind = source_kind
        self.indicators = {
            r.code: r for r in conn.execute(select(Indicator.id, Indicator.code, Indicator.unit, Indicator.breakdowns))
        }
        self.dimensions = {code: frozenset(r.breakdowns.split(",")) for code, r in self.indicators.items()}
        self.areas = {r.code: r.id for r in conn.execute(select(Area.id, Area.code))}
        self.area_names = {r.name: r.code for r in conn.execute(select(Area.name, Area.code))}
        self.area_aliases = dict(area_aliases) if area_aliases is not None else area_alias_table(conn)
        self.periods = {r.code: r.id for r in conn.execute(select(Period.id, Period.code))}
        self.spelled: dict[str, tuple[int, str]] = {}  # period text as written -> (id, code): parsed once
        self.conn = conn
        self.before_insert: Callable[[], None] = lambda: None  # a new period is about to be written

    def suggest(self, code: str, known) -> str:
        """'; did you mean ...?' for the closest known code, or nothing."""
        close = difflib.get_close_matches(code, list(known), n=1)
        return f"; did you mean '{close[0]}'?" if close else ""

    def has_breakdown(self, code: str, dimension: str) -> bool:
        """Whether the indicator has this breakdown (True when there is no breakdown or no such indicator: those
        are other rules' errors)."""
        return not dimension or code not in self.dimensions or dimension in self.dimensions[code]

    def period_id(self, code: str) -> tuple[int, str]:
        """The id and canonical code of a period as written; a period not yet in the database is added."""
        known = self.spelled.get(code)
        if known is not None:
            return known
        p = parse_period(code)
        pid = self.periods.get(p.code)
        if pid is None:
            self.before_insert()
            pid = insert_period(self.conn, p)
            self.periods[p.code] = pid
        self.spelled[code] = (pid, p.code)
        return pid, p.code


# ------------------------------------------------------------------ cell rules: text (stripped) in, value out


def read_indicator(text: str, ref: Reference) -> Any:
    """The registered indicator (id, code, unit, breakdowns) a code names."""
    if not text:
        raise Invalid("is empty; give an indicator code (board-dashboard indicators lists them)")
    ind = ref.indicators.get(text)
    if ind is None:
        raise Invalid(f"unknown indicator '{text}'{ref.suggest(text, ref.indicators)}")
    return ind


def area_alias_table(conn: Connection) -> dict[str, str]:
    """Every other name a user may give an area -> the area's code: its ONS code (current and former) and its DfE
    number. The codes themselves are not in it. Built from the area table (data_access cannot use the official
    reader's resolver, and the table holds what it knows)."""
    table: dict[str, str] = {}
    for code, ons, dfe, former in conn.execute(
        select(Area.code, Area.ons_code, Area.dfe_number, Area.former_ons_codes)
    ):
        # former ONS codes are space-separated; a joint DfE number reads "314 / 318"
        for alias in (ons, *(dfe or "").split("/"), *(former or "").split()):
            alias = (alias or "").strip()
            if alias and alias != code:
                table.setdefault(alias, code)
                table.setdefault(alias.lower(), code)
    return table


def read_area(text: str, ref: Reference) -> int:
    """The id of the area a code, ONS code or DfE number names."""
    area_id = ref.areas.get(text)
    if area_id is None:
        alias = ref.area_aliases.get(text) or ref.area_aliases.get(text.lower())
        if alias is not None and alias in ref.areas:
            return ref.areas[alias]
        if not text:
            raise Invalid("is empty; give an area code such as 'havering'")
        raise Invalid(f"unknown area '{text}'{suggest_area(text, ref)}")
    return area_id


def suggest_area(text: str, ref: Reference) -> str:
    """'; did you mean ...?' from the codes, ONS codes and DfE numbers, and from the names."""
    close = difflib.get_close_matches(text, [*ref.areas, *ref.area_aliases], n=1)
    if close:
        return f"; did you mean '{ref.area_aliases.get(close[0], close[0])}'?"
    by_name = {name.lower(): code for name, code in ref.area_names.items()}
    close = difflib.get_close_matches(text.lower().replace("-", " "), list(by_name), n=1, cutoff=0.6)
    return f"; did you mean '{by_name[close[0]]}'?" if close else ""


def read_period(text: str, ref: Reference) -> int:
    """The id of the period written (any spelling parse_period reads)."""
    try:
        return ref.period_id(text)[0]
    except PeriodError as e:
        raise Invalid(str(e)) from None


def _number(s: str, allow_percent_sign: bool) -> float:
    if _PLAIN_NUMBER.fullmatch(s):  # the common case: digits, perhaps a decimal point
        return float(s)
    if allow_percent_sign and s.endswith("%"):
        s = s[:-1].strip()
    if not s or not _NUMBER.match(s) or s in ("+", "-", "."):
        raise ValueError
    return float(s.replace(",", ""))


def read_number(text: str, required: bool = False, percent_sign: bool = False) -> float:
    """A figure: digits, a sign, a decimal point and thousands commas ("1,234"); a trailing "%" only where
    `percent_sign` (a percentage's value). NaN for an empty cell that is not `required`."""
    if not text:
        if required:
            raise Invalid("is empty; every row needs a figure (leave out rows with no data)")
        return math.nan
    try:
        return _number(text, percent_sign)
    except ValueError:
        hint = (
            " (suppressed figures such as 'c' cannot be imported: leave the row out)"
            if text.lower() in SUPPRESSED
            else ""
        )
        raise Invalid(f"'{text}' is not a number; write digits such as 42 or 11.6{hint}") from None


def read_line(text: str) -> int | None:
    """A line number in the source document, or None."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise Invalid(f"'{text}' is not a line number")
    return int(text)


def read_source_kind(text: str, default: str) -> str:
    """Which kind of source a figure comes from; `default` (the import's) when the cell is empty."""
    word = text.lower()
    if not word:
        return default
    if word not in SOURCE_KINDS:
        raise Invalid(f"'{text}' is not a kind of source; write one of {', '.join(SOURCE_KINDS)} or leave it empty")
    return word


def read_value_status(text: str) -> str | None:
    """Why a row has no figure (a published symbol in words), or None beside a figure."""
    word = text.lower()
    if not word:
        return None
    if word not in VALUE_STATUSES:
        raise Invalid(f"'{text}' is not a known status; write one of {', '.join(VALUE_STATUSES)} or leave it empty")
    return word


def read_derived(text: str) -> bool:
    """Whether the figure was worked out from others ('yes') rather than published."""
    word = text.lower()
    if word not in DERIVED_VALUES:
        raise Invalid(f"'{word}' should be 'yes' or empty")
    return DERIVED_VALUES[word]


# ------------------------------------------------------------------ row rules: over several read values of a row


def _within(values: Any, allowed: tuple[str, ...]) -> Any:
    return np.isin(values, allowed) if isinstance(values, np.ndarray) else values in allowed


@dataclass(frozen=True)
class RowRule:
    """A rule over several values of a row. `fails` takes a mapping of read values - one row's scalars, or a frame's
    arrays - and says whether (which rows) break the rule: one expression serves both paths, so it uses only
    operators that work on both (`&`, `|`, `==`, `<`; never `~`, which on a Python bool is -1 or -2). On a row
    the values are plain Python scalars, never numpy ones (a numpy scalar costs a microsecond an operation).
    `error` gives the column and message for one row that breaks it."""

    fails: Callable[[Mapping[str, Any]], Any]
    error: Callable[[Mapping[str, Any]], tuple[str, str]]


def _figure(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


BREAKDOWN_PAIRED = RowRule(
    fails=lambda r: (r["breakdown_dimension"] == "") != (r["breakdown_value"] == ""),
    error=lambda r: (
        "breakdown_value" if r["breakdown_dimension"] else "breakdown_dimension",
        "breakdown_dimension and breakdown_value are given together or both left empty",
    ),
)
BREAKDOWN_KNOWN = RowRule(  # judged only when the pair is complete (else BREAKDOWN_PAIRED says so)
    fails=lambda r: (r["breakdown_value"] != "") & r["breakdown_unknown"],
    error=lambda r: (
        "breakdown_dimension",
        f"'{r['code']}' has no breakdown '{r['breakdown_dimension']}' (it has: "
        f"{r['breakdowns'].replace(',', ', ') or 'none'})",
    ),
)
UNIT_MATCHES = RowRule(
    fails=lambda r: (r["unit"] != "") & (r["unit_of"] != "") & (r["unit"] != r["unit_of"]),
    error=lambda r: ("unit", f"'{r['code']}' is measured in {r['unit_of']}, not {r['unit']}"),
)
PERCENTAGE_RANGE = RowRule(  # NaN (no value) compares False: nothing to judge
    fails=lambda r: (r["unit_of"] == "percent") & ((r["value"] < 0) | (r["value"] > 100)),
    error=lambda r: ("value", f"{_figure(r['value'])} is a percentage outside 0-100 (write 11.6 for 11.6%)"),
)
NOT_NEGATIVE = RowRule(
    fails=lambda r: _within(r["unit_of"], NON_NEGATIVE_UNITS) & (r["value"] < 0),
    error=lambda r: ("value", f"a {r['unit_of'].replace('_', ' ')} cannot be negative"),
)
STATUS_WITHOUT_VALUE = RowRule(  # a status says why there is no figure: never beside one
    fails=lambda r: (r["value_status"] != "") & (r["value"] == r["value"]),
    error=lambda r: (
        "value_status",
        f"'{r['value_status']}' says there is no figure, but the value is "
        f"{_figure(r['value'])}; leave one of them empty",
    ),
)
NUMERATOR_WITHIN_DENOMINATOR = RowRule(  # a ratio (cases per social worker) is not a part of its denominator
    fails=lambda r: (r["unit_of"] != "ratio") & (r["numerator"] > r["denominator"]),
    error=lambda r: (
        "numerator",
        f"numerator {_figure(r['numerator'])} is greater than denominator {_figure(r['denominator'])}",
    ),
)
BREAKDOWN_RULES = (BREAKDOWN_PAIRED, BREAKDOWN_KNOWN, UNIT_MATCHES)  # judged after the codes, before the figures
# judged after the figures
FIGURE_RULES = (PERCENTAGE_RANGE, NOT_NEGATIVE, STATUS_WITHOUT_VALUE, NUMERATOR_WITHIN_DENOMINATOR)


# ------------------------------------------------------------------ the row path


def check_row(where: str, row: dict[str, str], ref: Reference, errors: Errors) -> tuple | None:
    """Check one row cell by cell; note every error in `errors`. Returns the staging values (STAGING_COLS without
    rownum and row_where), or None when the row is wrong."""
    text = {c: (row.get(c) or "").strip() for c in _READ}
    before = len(errors.items) + errors.more

    def read(column: str, rule: Callable[..., Any], *args: Any) -> Any:
        try:
            return rule(text[column], *args)
        except Invalid as e:
            errors.add(where, column, e.message)
            return None

    def judge(rules: tuple[RowRule, ...], values: Mapping[str, Any]) -> None:
        for rule in rules:
            if rule.fails(values):
                errors.add(where, *rule.error(values))

    ind = read("indicator", read_indicator, ref)
    area_id = read("area", read_area, ref)
    period_id = read("period", read_period, ref)
    code, unit_of = text["indicator"], ind.unit if ind is not None else ""
    values: dict[str, Any] = {
        "code": code,
        "unit_of": unit_of,
        "unit": text["unit"],
        "breakdowns": ind.breakdowns if ind is not None else "",
        "breakdown_dimension": text["breakdown_dimension"],
        "breakdown_value": text["breakdown_value"],
        "breakdown_unknown": not ref.has_breakdown(code, text["breakdown_dimension"]),
    }
    judge(BREAKDOWN_RULES, values)
    status = read("value_status", read_value_status)
    # A row without a figure is accepted only when it says why (a known status); a wrong status is its own error.
    value_required = not text["value_status"]
    for column in ("value", "numerator", "denominator"):
        got = read(
            column, read_number, column == "value" and value_required, column == "value" and unit_of == "percent"
        )
        values[column] = math.nan if got is None else got
    values["value_status"] = status or ""
    judge(FIGURE_RULES, values)
    line = read("source_line", read_line)
    derived = read("derived", read_derived)
    kind = read("source_kind", read_source_kind, ref.source_kind)
    rounded = read("rounded", read_derived)
    if len(errors.items) + errors.more > before:
        return None
    return (
        ind.id,
        area_id,
        period_id,
        values["breakdown_dimension"],
        values["breakdown_value"],
        _or_none(values["value"]),
        _or_none(values["numerator"]),
        _or_none(values["denominator"]),
        text["source_document"],
        line,
        text["note"],
        derived,
        kind,
        status,
        rounded,
    )


def _or_none(x: float) -> float | None:
    return None if x != x else x  # NaN (an empty cell) is stored as NULL


def blank_or_template(row: dict[str, str]) -> str | None:
    """'blank' for a row with nothing in it, 'template' for an unfilled template row (an indicator code only),
    else None: a row to check."""
    if not "".join(v for v in row.values() if v).strip():
        return "blank"
    if not any((row.get(k) or "").strip() for k in ("area", "period", "value")):
        return "template"
    return None


def count_and_check(
    where: str, row: dict[str, str], ref: Reference, errors: Errors, result: ImportResult
) -> tuple | None:
    """What both paths do with a row: pass over a blank one, count and pass over an unfilled template row, and
    count and check any other (None when it is wrong or passed over)."""
    kind = blank_or_template(row)
    if kind == "template":
        result.skipped_blank += 1
    if kind:
        return None
    result.rows += 1
    return check_row(where, row, ref, errors)


# ------------------------------------------------------------------ the frame path


class _Column:
    """A column read through a cell rule once per distinct text: a million cells of a few hundred codes cost a
    few hundred calls and one array lookup."""

    def __init__(self, cells: np.ndarray, rule: Callable[[str], Any]):
        self.at, distinct = pd.factorize(cells)
        self.values: list[Any] = []
        good: list[bool] = []
        for cell in distinct:
            try:
                self.values.append(rule(cell.strip()))
                good.append(True)
            except Invalid:
                self.values.append(None)
                good.append(False)
        self.ok = np.array(good, dtype=bool)[self.at]

    def map(self, fn: Callable[[Any], Any] = lambda v: v, dtype: Any = object) -> np.ndarray:
        """`fn` of every cell's read value (None where the rule refused the cell)."""
        return np.array([fn(v) for v in self.values], dtype=dtype)[self.at] if self.values else np.empty(0, dtype)


def check_frame(
    first: int, frame: pd.DataFrame, ref: Reference, errors: Errors, result: ImportResult
) -> tuple[dict[str, list], list[tuple]]:
    """Check a frame of CSV text cells (row numbers from `first`) a column at a time.

    Returns the staging columns of the rows that break no rule, and the staging rows of the others that
    `check_row` accepts (it sees every row that breaks a rule here, and writes the errors). A value with a "%"
    always goes to `check_row`, which knows whether the row's indicator is a percentage."""
    n = len(frame)

    def cells(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=object) if name in frame.columns else np.full(n, "", dtype=object)

    indicator = _Column(cells("indicator"), lambda t: read_indicator(t, ref))
    area = _Column(cells("area"), lambda t: read_area(t, ref))
    period = _Column(cells("period"), lambda t: read_period(t, ref))
    # An empty value is read here as no figure; a row with neither figure nor status goes to check_row below.
    figures = {c: _Column(cells(c), lambda t: read_number(t)) for c in ("value", "numerator", "denominator")}
    line = _Column(cells("source_line"), read_line)
    derived = _Column(cells("derived"), read_derived)
    status = _Column(cells("value_status"), read_value_status)
    kind = _Column(cells("source_kind"), lambda t: read_source_kind(t, ref.source_kind))
    rounded = _Column(cells("rounded"), read_derived)
    ok = indicator.ok & area.ok & period.ok & line.ok & derived.ok & status.ok & kind.ok & rounded.ok
    for column in figures.values():
        ok &= column.ok
    code = indicator.map(lambda v: "" if v is None else v.code)
    values: dict[str, Any] = {
        "code": code,
        "unit_of": indicator.map(lambda v: "" if v is None else v.unit),
        "unit": _Column(cells("unit"), str).map(),
        "breakdown_dimension": _Column(cells("breakdown_dimension"), str).map(),
        "breakdown_value": _Column(cells("breakdown_value"), str).map(),
        **{c: column.map(lambda v: math.nan if v is None else v, np.float64) for c, column in figures.items()},
        "value_status": status.map(lambda v: v or ""),
    }
    ok &= ~(np.isnan(values["value"]) & (values["value_status"] == ""))  # neither a figure nor why not
    dim = values["breakdown_dimension"]
    values["breakdown_unknown"] = np.zeros(n, dtype=bool)
    if (dim != "").any():  # each distinct (indicator, breakdown) pair judged once
        code_at, codes = pd.factorize(code)
        dim_at, dims = pd.factorize(dim)
        pair_at, pairs = pd.factorize(code_at.astype(np.int64) * len(dims) + dim_at)
        values["breakdown_unknown"] = np.array(
            [not ref.has_breakdown(codes[p // len(dims)], dims[p % len(dims)]) for p in pairs], dtype=bool
        )[pair_at]
    with np.errstate(invalid="ignore"):
        for rule in (*BREAKDOWN_RULES, *FIGURE_RULES):
            ok &= np.logical_not(rule.fails(values))

    rows: list[tuple] = []
    for i in np.flatnonzero(~ok):
        checked = count_and_check(f"row {first + i}", {c: frame[c].iat[i] for c in frame.columns}, ref, errors, result)
        if checked is not None:
            rows.append((first + int(i), *checked, None))
    result.rows += int(ok.sum())
    columns = {
        "rownum": (np.flatnonzero(ok) + first).tolist(),
        "indicator_id": indicator.map(lambda v: -1 if v is None else v.id, np.int64)[ok].tolist(),
        "area_id": area.map(lambda v: -1 if v is None else v, np.int64)[ok].tolist(),
        "period_id": period.map(lambda v: -1 if v is None else v, np.int64)[ok].tolist(),
        "breakdown_dimension": dim[ok].tolist(),
        "breakdown_value": values["breakdown_value"][ok].tolist(),
        "value": [_or_none(x) for x in values["value"][ok].tolist()],
        "numerator": [_or_none(x) for x in values["numerator"][ok].tolist()],
        "denominator": [_or_none(x) for x in values["denominator"][ok].tolist()],
        "source_document": _Column(cells("source_document"), str).map()[ok].tolist(),
        "source_line": line.map()[ok].tolist(),
        "note": _Column(cells("note"), str).map()[ok].tolist(),
        "derived": derived.map(bool, bool)[ok].tolist(),
        "source_kind": kind.map()[ok].tolist(),
        "value_status": status.map()[ok].tolist(),
        "rounded": rounded.map(bool, bool)[ok].tolist(),
        "row_where": [None] * int(ok.sum()),
    }
    return columns, rows
