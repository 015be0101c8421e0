"""Reading a dataset file: CSV and XLSX, row by row, or a CSV file a frame of many rows at a time.

Two readers give the same rows. `read_records` reads a workbook, or a CSV file with the csv module, one row at a
time and names the line at fault in a file it cannot read. `read_csv_frames` reads a CSV file in frames of
FRAME_ROWS text cells with pandas' C parser (bounded memory, few round trips); it gives up with NeedsRowReader on
anything the C parser would read differently (bad UTF-8, broken quoting), and the import then starts again row by
row. Both count rows as the csv module does: the header is row 1 and a blank line is a row.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from data_access.imports.report import ImportRejected, RowError

COLUMNS = [
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
]  # the last three are optional: empty means the import's kind, a figure, not rounded
REQUIRED = ["indicator", "area", "period", "value"]
FRAME_ROWS = 100_000  # rows per frame (column-at-a-time reader): bounded memory, few round trips
PROGRESS_LINES = 1000


def _normalise_header(h: object) -> str:
    return str(h or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def file_kind(path: Path) -> str:
    """'csv' or 'xlsx'; raise ImportRejected for a file that is neither."""
    if not path.is_file():
        raise ImportRejected([RowError("file", "", f"{path} does not exist")])
    if path.stat().st_size == 0:
        raise ImportRejected(
            [
                RowError(
                    "file",
                    "",
                    "the file is empty; export a dataset or fill in the "
                    "template (board-dashboard template) and try again",
                )
            ]
        )
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if b"\x00" in head:
        raise ImportRejected(
            [
                RowError(
                    "file",
                    "",
                    "this is not a CSV or XLSX file (it contains binary data); save the data as 'CSV UTF-8' or .xlsx",
                )
            ]
        )
    return "csv"


def read_records(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield (where, row) for every data row of a CSV or XLSX file, one row at a time; raise ImportRejected for
    unreadable files."""
    path = Path(path)
    if file_kind(path) == "xlsx":
        yield from _read_xlsx(path, progress)
    else:
        yield from _read_csv(path, progress)


def _utf8_lines(raw: io.BufferedReader, progress: Callable[[int], None] | None) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is named."""
    done = 0  # bytes read but not yet reported: progress is told every PROGRESS_LINES lines, not every line
    for i, b in enumerate(raw, start=1):
        done += len(b)
        if progress and i % PROGRESS_LINES == 0:
            progress(done)
            done = 0
        try:
            s = b.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ImportRejected(
                [
                    RowError(
                        f"line {i}",
                        "",
                        f"the file is not UTF-8 (byte 0x{b[e.start]:02x} "
                        "cannot be read); in Excel use 'Save as: CSV UTF-8'",
                    )
                ]
            ) from None
        yield s.lstrip("\ufeff") if i == 1 else s
    if progress and done:
        progress(done)


def _csv_header(reader) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise ImportRejected([RowError("row 1", "", f"the header cannot be read as CSV ({e})")]) from None
    if header is None or not any(h.strip() for h in header):
        raise ImportRejected([RowError("row 1", "", "the file has no header row")])
    names = [_normalise_header(h) for h in header]
    _check_header(names, "row 1")
    return names


def _read_csv(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, str]]]:
    with path.open("rb") as raw:
        reader = csv.reader(_utf8_lines(raw, progress))
        names = _csv_header(reader)
        n = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise ImportRejected([RowError(f"row {n + 1}", "", f"not valid CSV ({e})")]) from None
            n += 1
            if not "".join(cells).strip():
                continue
            yield f"row {n}", dict(zip(names, cells, strict=False))


class NeedsRowReader(Exception):
    """The C parser cannot read this file exactly as the csv module would; read it row by row instead."""


def read_csv_frames(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[int, pd.DataFrame]]:
    """(row number of the frame's first row, frame of text cells) for a CSV file, FRAME_ROWS rows at a time.

    Row numbers count records as the csv module does (the header is row 1; a blank line is a row). Raises
    NeedsRowReader when the file has anything the C parser cannot read (bad UTF-8, broken quoting): the
    row-by-row reader then names the place."""
    with path.open("rb") as raw:
        try:
            names = _csv_header(csv.reader(_utf8_lines(io.BytesIO(raw.readline()), None)))
        except ImportRejected as e:  # the row-by-row reader says the same, or reads a header over two lines
            raise NeedsRowReader(str(e)) from e
    # Blank header cells get placeholder names (pandas refuses repeated names); their cells are never read.
    columns = [n or f"_blank_{i}" for i, n in enumerate(names)]
    with path.open("rb") as raw:
        reported = 0
        first = 2
        try:
            # usecols: cells beyond the header's are left out, as the row-by-row reader leaves them out
            for frame in pd.read_csv(
                raw,
                header=0,
                names=columns,
                usecols=range(len(columns)),
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                chunksize=FRAME_ROWS,
                encoding="utf-8",
                engine="c",
            ):
                yield first, frame.reset_index(drop=True)
                first += len(frame)
                if progress:
                    pos = raw.tell()
                    progress(pos - reported)
                    reported = pos
        except (UnicodeDecodeError, pd.errors.ParserError, csv.Error) as e:
            if progress and reported:
                progress(-reported)  # the row-by-row reader starts again from the top
            raise NeedsRowReader(str(e)) from e


def _read_xlsx(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise ImportRejected(
            [RowError("file", "", f"the workbook cannot be opened ({e}); save it again as .xlsx")]
        ) from None
    try:
        found = False
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            names = [_normalise_header(h) for h in (header or ())]
            if "indicator" not in names:  # README and other sheets without data
                continue
            found = True
            _check_header(names, f"sheet '{ws.title}', row 1")
            for n, cells in enumerate(rows, start=2):
                if progress:
                    progress(1)
                values = ["" if c is None else _cell_text(c) for c in cells]
                if not any(v.strip() for v in values):
                    continue
                yield f"sheet '{ws.title}', row {n}", dict(zip(names, values, strict=False))
        if not found:
            raise ImportRejected(
                [
                    RowError(
                        "file",
                        "",
                        "no sheet has an 'indicator' column; use the template "
                        "(board-dashboard template) or the export format",
                    )
                ]
            )
    finally:
        wb.close()


def _cell_text(c: object) -> str:
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    if hasattr(c, "date") and hasattr(c, "year"):  # a date typed into the period column
        return c.date().isoformat() if hasattr(c, "hour") else c.isoformat()
    return str(c)


def _check_header(names: list[str], where: str) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportRejected(
            [
                RowError(
                    where,
                    ", ".join(missing),
                    f"missing required column{'s' if len(missing) > 1 else ''}; the header "
                    f"must include {', '.join(REQUIRED)} (see board-dashboard export)",
                )
            ]
        )
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise ImportRejected([RowError(where, ", ".join(dupes), "column named twice")])
