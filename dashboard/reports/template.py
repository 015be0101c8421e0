"""The partner template workbook (`board-dashboard template`).

A workbook a partner agency's analyst fills in and sends back: a README sheet, then one sheet per domain whose
columns are the import format (so a filled-in template imports as it is), with one row per indicator already
carrying its code and unit, and the indicator's title and definition beside it for reference. Drop-down lists and
checks on the cells catch most mistakes in Excel, before the file is sent; the importer checks everything again.
"""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.reference.registry import UNITS, Registry, registry
from data_access.importer import COLUMNS
from data_access.periods import ACCEPTED

REFERENCE_COLUMNS = ["title", "definition"]  # shown to help, ignored by the importer
HEADER = COLUMNS + REFERENCE_COLUMNS
LISTS_SHEET = "Lists"
README_SHEET = "README"
README_WIDTH = 110
# Rows of each domain sheet that carry the drop-downs and checks (analysts add rows below the indicator rows).
VALIDATED_ROWS = 2000

UNIT_MEANINGS = {
    "count": "a number of children, cases, events or people (whole numbers, not negative)",
    "percent": "a percentage from 0 to 100: write 11.6 for 11.6% (not 0.116, and not 11.6%)",
    "rate_per_10k": "a number per 10,000 children aged 0-17 (ONS mid-year estimate)",
    "days": "a number of days",
    "weeks": "a number of weeks",
    "ratio": "one figure divided by another, such as 1.25",
}

WIDTHS = {
    "indicator": 34,
    "area": 22,
    "period": 16,
    "breakdown_dimension": 20,
    "breakdown_value": 24,
    "value": 10,
    "numerator": 11,
    "denominator": 12,
    "unit": 13,
    "source_document": 28,
    "source_line": 11,
    "note": 40,
    "derived": 9,
    "title": 44,
    "definition": 90,
}

_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_REFERENCE_FILL = PatternFill("solid", fgColor="7F7F7F")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REFERENCE_FONT = Font(italic=True, color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


class TemplateError(ValueError):
    """The template cannot be written where asked; the message says why and what would work."""


def build_template(reg: Registry | None = None) -> Workbook:
    """The partner template as an openpyxl workbook: README, a sheet per domain, and the hidden lists."""
    reg = reg or registry()
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    lists = _lists_sheet(wb, reg)
    for domain in reg.domains.values():
        indicators = reg.in_domain(domain.code)
        if indicators:
            _domain_sheet(wb, reg, domain.code, lists)
    _readme(readme, reg)
    lists.sheet_state = "hidden"  # after the others: Excel will not open on a hidden sheet
    return wb


def write_template(path: Path | str, *, overwrite: bool = False, reg: Registry | None = None) -> Path:
    """Write the template to `path` (.xlsx). An existing file is never replaced unless `overwrite`: it may be a
    partner's filled-in copy."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise TemplateError(f"the template is an Excel workbook: give a file name ending in .xlsx, not '{path.name}'")
    if path.exists() and not overwrite:
        raise TemplateError(
            f"{path} already exists (it may be a filled-in copy); choose another name or add --force to replace it"
        )
    if not path.parent.is_dir():
        raise TemplateError(f"the folder {path.parent} does not exist")
    build_template(reg).save(path)
    return path


# ------------------------------------------------------------------ sheets


def sheet_title(domain_title: str) -> str:
    """A domain's sheet name: Excel allows 31 characters and none of []:*?/\\."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in domain_title)
    return clean[:31].strip()


def _lists_sheet(wb: Workbook, reg: Registry) -> Worksheet:
    """The values the drop-downs offer, one column per list, referred to by range (a list typed into the
    validation itself is limited to 255 characters)."""
    ws = wb.create_sheet(LISTS_SHEET)
    columns: list[tuple[str, list[str]]] = [
        ("list_areas", list(reg.areas)),
        ("list_units", list(UNITS)),
        ("list_derived", ["yes", "no"]),
        ("list_all_indicators", list(reg.indicators)),
        ("list_indicator_units", [i.unit for i in reg.indicators.values()]),
    ]
    for domain in reg.domains.values():
        codes = [i.code for i in reg.in_domain(domain.code)]
        dims = sorted({d for i in reg.in_domain(domain.code) for d in i.breakdowns})
        columns.append((f"list_{domain.code}_indicators", codes))
        columns.append((f"list_{domain.code}_breakdowns", dims))
    for col, (name, values) in enumerate(columns, start=1):
        ws.cell(row=1, column=col, value=name)
        for row, v in enumerate(values, start=2):
            ws.cell(row=row, column=col, value=v)
    ws.sheet_properties.tabColor = "BFBFBF"
    return ws


def list_range(lists: Worksheet, name: str) -> str | None:
    """The absolute range of a named list on the lists sheet, e.g. 'Lists'!$A$2:$A$14 (None if it is empty)."""
    for cell in lists[1]:
        if cell.value == name:
            letter = cell.column_letter
            last = 1
            while lists.cell(row=last + 1, column=cell.column).value not in (None, ""):
                last += 1
            if last == 1:
                return None
            return f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${last}"
    raise KeyError(name)


def _domain_sheet(wb: Workbook, reg: Registry, domain_code: str, lists: Worksheet) -> Worksheet:
    domain = reg.domains[domain_code]
    ws = wb.create_sheet(sheet_title(domain.title))
    ws.append(HEADER)
    for cell in ws[1]:
        reference = cell.value in REFERENCE_COLUMNS
        cell.fill = _REFERENCE_FILL if reference else _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(vertical="center")
    col = {name: get_column_letter(i) for i, name in enumerate(HEADER, start=1)}
    for spec in reg.in_domain(domain_code):
        row = dict.fromkeys(HEADER)
        row.update(indicator=spec.code, unit=spec.unit, title=spec.title, definition=spec.definition)
        ws.append([row[h] for h in HEADER])
        r = ws.max_row
        for cell in ws[r]:
            cell.alignment = _TOP
        ws[f"{col['period']}{r}"].number_format = "@"
        for name in REFERENCE_COLUMNS:
            ws[f"{col[name]}{r}"].font = _REFERENCE_FONT
            ws[f"{col[name]}{r}"].alignment = _WRAP
        _fit_height(ws, r, [(spec.title, WIDTHS["title"]), (spec.definition, WIDTHS["definition"])])
    for name, letter in col.items():
        ws.column_dimensions[letter].width = WIDTHS.get(name, 14)
    # Typed into a General cell, 2015-03 becomes the date 1 March 2015 and 2015-03-31 a date serial: keep text.
    ws.column_dimensions[col["period"]].number_format = "@"
    ws.freeze_panes = "B2"  # the header and the indicator code stay in view
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADER))}{ws.max_row}"
    ws.print_title_rows = "1:1"
    _printable(ws)
    _validations(ws, reg, domain_code, lists, col)
    return ws


def _validations(ws: Worksheet, reg: Registry, domain_code: str, lists: Worksheet, col: dict[str, str]) -> None:
    last = VALIDATED_ROWS + 1

    def cells(name: str) -> str:
        return f"{col[name]}2:{col[name]}{last}"

    def add(dv: DataValidation, name: str, prompt_title: str, prompt: str) -> None:
        dv.promptTitle, dv.prompt = prompt_title[:32], prompt[:255]
        dv.showInputMessage = True
        dv.showErrorMessage = True
        dv.add(cells(name))
        ws.add_data_validation(dv)

    def listed(list_name: str, name: str, what: str, prompt: str) -> None:
        source = list_range(lists, list_name)
        dv = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            errorTitle=f"Unknown {what}",
            error=f"Choose the {what} from the list.",
        )
        add(dv, name, what.capitalize(), prompt)

    listed(
        f"list_{domain_code}_indicators",
        "indicator",
        "indicator code",
        "One of this sheet's indicator codes. Copy an indicator's row to add another figure for it.",
    )
    listed("list_areas", "area", "area code", "The local authority, board total or comparator the figure is for.")
    add(
        DataValidation(
            type="textLength",
            operator="greaterThan",
            formula1="0",
            allow_blank=True,
            errorTitle="Period",
            error=f"Write the period as one of: {ACCEPTED}"[:225],
        ),
        "period",
        "Period",
        f"Accepted forms: {ACCEPTED}",
    )
    dims = list_range(lists, f"list_{domain_code}_breakdowns")
    if dims:
        listed(
            f"list_{domain_code}_breakdowns",
            "breakdown_dimension",
            "breakdown",
            "Leave empty for the headline figure; otherwise the breakdown, with its value in the next column.",
        )
    else:
        add(
            DataValidation(
                type="custom",
                formula1=f"LEN({col['breakdown_dimension']}2)=0",
                allow_blank=True,
                errorTitle="No breakdowns",
                error="The indicators on this sheet have no breakdowns: leave this empty.",
            ),
            "breakdown_dimension",
            "Breakdown",
            "The indicators on this sheet have no breakdowns.",
        )
    add(
        DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1="128",
            allow_blank=True,
            errorTitle="Breakdown value",
            error="At most 128 characters.",
        ),
        "breakdown_value",
        "Breakdown value",
        "The part the figure is for, e.g. neglect or police; empty for the headline figure.",
    )
    # One rule for the whole column: a figure is a number, not negative, and at most 100 where the row's
    # indicator is measured in percent (its unit is looked up from the indicator code, not typed).
    r2 = f"{col['value']}2"
    unit_of = f'IFERROR(VLOOKUP(${col["indicator"]}2,{_pair_range(lists)},2,FALSE),"")'
    add(
        DataValidation(
            type="custom",
            formula1=f'AND(ISNUMBER({r2}),{r2}>=0,OR({unit_of}<>"percent",{r2}<=100))',
            allow_blank=True,
            errorTitle="Not a figure",
            error="Write a number, not negative; a percentage is 0 to 100 (11.6 for 11.6%). Suppressed "
            "figures ('c') cannot be imported: clear the row instead.",
        ),
        "value",
        "Value",
        "The figure as a number. Percentages: 11.6 for 11.6%. Leave suppressed figures out.",
    )
    for name in ("numerator", "denominator"):
        add(
            DataValidation(
                type="decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                errorTitle=name.capitalize(),
                error=f"The {name} is a number, 0 or more.",
            ),
            name,
            name.capitalize(),
            "For a percentage: the number of cases counted (numerator) and the number it is a share of "
            "(denominator). Optional.",
        )
    listed("list_units", "unit", "unit", "Already filled in for each indicator; it must match the indicator.")
    add(
        DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="1",
            allow_blank=True,
            errorTitle="Line number",
            error="A line or page number: a whole number, 1 or more.",
        ),
        "source_line",
        "Source line",
        "The line or page of the source document the figure was read from.",
    )
    listed(
        "list_derived",
        "derived",
        "yes or no",
        "yes if you calculated the figure from others rather than reading it from the source.",
    )


def _pair_range(lists: Worksheet) -> str:
    """The indicator-code and unit columns of the lists sheet, for looking a row's unit up."""
    codes = list_range(lists, "list_all_indicators")
    units = list_range(lists, "list_indicator_units")
    first = codes.split("!")[1].split(":")[0]
    last = units.split("!")[1].split(":")[1]
    return f"{codes.split('!')[0]}!{first}:{last}"


def _readme(ws: Worksheet, reg: Registry) -> None:
    title_font = Font(bold=True, size=14)
    heading = Font(bold=True, size=12)
    lines: list[tuple[str, str | None, Font | None]] = [
        ("Safeguarding board dataset: partner template", None, title_font),
        ("", None, None),
        ("How to fill it in", None, heading),
        (
            "1.",
            "Each sheet after this one is a domain of the board's dataset (front door, child protection, ...). "
            "Each row already carries one indicator's code and unit, with its title and definition on the "
            "right for reference.",
            None,
        ),
        (
            "2.",
            "For a figure, fill in area, period and value on the indicator's row. For more figures of the same "
            "indicator (another period, area or breakdown), copy the row and paste it below the others.",
            None,
        ),
        (
            "3.",
            "Leave the rows you have no figure for as they are: a row with no area, period and value is skipped "
            "when the file is imported.",
            None,
        ),
        (
            "4.",
            "Suppressed figures ('c', '*', '-', 'x' or 'n/a' for small numbers) must be left out: leave that "
            "row's area, period and value empty, or delete the row. Never type 'c' as a value.",
            None,
        ),
        (
            "5.",
            "Say where each figure comes from: source_document (the report or return) and source_line (the "
            "line or page). Put anything the board should know in note.",
            None,
        ),
        (
            "6.",
            "Do not rename the sheets' header row or the columns. The title and definition columns (grey) are "
            "for reference only and are not imported. Add no other sheets with an 'indicator' column.",
            None,
        ),
        (
            "7.",
            "Save as .xlsx and send it back. The board imports it with: board-dashboard import FILE.xlsx "
            "(--dry-run checks it first). Any mistake is reported with its sheet, row and column, and nothing "
            "is imported until every row is right.",
            None,
        ),
        ("", None, None),
        ("Columns", None, heading),
        ("indicator", "The indicator code (drop-down). Already filled in.", None),
        ("area", "The area code (drop-down): " + ", ".join(reg.areas) + ".", None),
        ("period", f"The period the figure covers. Accepted forms: {ACCEPTED}.", None),
        (
            "breakdown_dimension",
            "Empty for the headline figure; otherwise what the figure is broken down by "
            "(drop-down: the breakdowns this sheet's indicators have).",
            None,
        ),
        (
            "breakdown_value",
            "The part the figure is for (such as neglect, police or under_1); empty for the "
            "headline figure. Give both breakdown columns or neither.",
            None,
        ),
        ("value", "The figure, as a number (no % sign, no thousands separators needed).", None),
        (
            "numerator, denominator",
            "For a percentage, the two counts it is made from (optional, but they let "
            "the board check the percentage and judge small numbers).",
            None,
        ),
        ("unit", "Already filled in; it must match the indicator.", None),
        ("source_document", "The report, return or system the figure was read from.", None),
        ("source_line", "The line or page number in that document (a whole number).", None),
        ("note", "Anything the board should know: a change of definition, a known problem, a partial year.", None),
        ("derived", "yes if you calculated the figure from others rather than reading it; otherwise empty.", None),
        ("", None, None),
        ("Periods", None, heading),
        ("2014-15", "a financial year (April 2014 to March 2015)", None),
        ("2014-15 Q3", "a quarter of a financial year (Q1 is April to June, Q3 October to December)", None),
        ("2015-03 or Mar 2015", "a month", None),
        ("2015-03-31", "a snapshot date (for example children on a plan at 31 March)", None),
        ("2015", "a calendar year", None),
        ("2015-04/2015-09", "a run of months", None),
        ("", None, None),
        ("Units", None, heading),
    ]
    lines += [(unit, meaning, None) for unit, meaning in UNIT_MEANINGS.items() if unit in UNITS]
    lines += [("", None, None), ("Sheets", None, heading)]
    lines += [
        (sheet_title(d.title), f"{len(reg.in_domain(d.code))} indicators. {d.description}", None)
        for d in reg.domains.values()
        if reg.in_domain(d.code)
    ]
    for r, (a, b, font) in enumerate(lines, start=1):
        ca = ws.cell(row=r, column=1, value=a or None)
        if font:
            ca.font = font
        else:
            ca.font = Font(bold=True)
        ca.alignment = Alignment(vertical="top")
        if b:
            cb = ws.cell(row=r, column=2, value=b)
            cb.alignment = _WRAP
            _fit_height(ws, r, [(b, README_WIDTH)])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = README_WIDTH
    ws.sheet_properties.tabColor = "1F3864"
    _printable(ws)


def _fit_height(ws: Worksheet, row: int, texts: list[tuple[str, float]]) -> None:
    """Make a row tall enough for its wrapped text (neither Excel nor LibreOffice does it for a written file)."""
    lines = max(math.ceil(len(text) / (width * 1.1)) for text, width in texts)
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


def _printable(ws: Worksheet) -> None:
    """Printed, a sheet is landscape and one page wide (analysts print the README to work from)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
