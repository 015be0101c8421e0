"""Finding and reading a folder of 903 CSV files: which table each file is (by its header), which year (by its
name), and the read, checked and stitched return (`read_return`)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from dashboard.returns.common import (
    Errors,
)
from dashboard.returns.ssda903.checks import (
    check_births,
    check_episodes,
    check_header,
    check_oc3,
)
from dashboard.returns.ssda903.stitching import (
    stitch_episodes,
)
from dashboard.returns.ssda903.tables import (
    NEEDED_COLUMNS,
    OTHER_TABLES,
    REQUIRED_TABLES,
    Return903,
    SourceFile,
)
from data_access.importer import ImportRejected, RowError

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
    data = [
        (n, dict(zip(header, (c.strip() for c in cells), strict=False)))
        for n, cells in enumerate(rows[1:], start=2)
        if any(c.strip() for c in cells)
    ]
    return header, data


def find_files(folder: Path, year: int) -> tuple[list[SourceFile], list[str]]:
    """The 903 tables in a folder (searched recursively), and the CSV files that are not 903 tables."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportRejected(
            [
                RowError(
                    "folder",
                    "",
                    f"{folder} is not a folder; give the folder that holds the 903 CSV files (Header, Episodes, OC3)",
                )
            ]
        )
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
            errors.add(
                f.path.name,
                "",
                f"a second {f.table} table for {f.year} (the first is "
                f"{seen[(f.table, f.year)].path.name}); keep one file per table and year",
            )
        seen[(f.table, f.year)] = f
    for t in REQUIRED_TABLES:
        if (t, year) not in seen:
            cols = ", ".join(NEEDED_COLUMNS[t])
            errors.add(
                "folder",
                "",
                f"no {t} table for {year} (a CSV whose header has {cols}); name files with "
                f"their year, e.g. {t.lower()}_{year}.csv, or give --year",
            )
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
            headers[f.year] = check_header(f, rows, errors)
        elif f.table == "Episodes":
            episodes += check_episodes(f, rows, headers.get(f.year), errors)
        elif f.year == year:
            oc3 = check_oc3(f, rows, headers.get(f.year, {}), errors)
    errors.raise_if_any()
    header: dict[str, dict] = {}
    for y in sorted(headers):  # the latest return's Header wins
        header.update(headers[y])
    stitched, repairs = stitch_episodes(episodes, latest_year=max(f.year for f in files))
    check_births(stitched, header, errors)
    errors.raise_if_any()
    return Return903(year, header, stitched, oc3, files, repairs, unknown)
