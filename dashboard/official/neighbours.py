"""The DfE's children's services statistical neighbours: ten per authority, with how close each is.

Two files, recognised by their headers:

- `New_Statistical_Neighbour_Groupings_April_2021.csv` (model `2021`): a byte-order mark, then `LA num, LA Name,
  LA number, GOInd, GOReg` and ten pairs `SN<n>, SNP` (the `SNP` header repeats; each is the closeness of the
  neighbour before it) and a trailing empty column. After the current authorities, a blank line and an `Old SNs:`
  line introduce the lists of authorities abolished in the 2019 and 2021 reorganisations; they are read too, with a
  note saying so.
- `sn_model_2025_wide.csv` (model `2025`): `old_la_code, la_name, region_ind, region_name` and ten pairs
  `SN_<n>, SN_<n>P`. Closeness text carries trailing spaces in the published file ("Close "); they are dropped.

Authorities are named by DfE number in both files and turned into our area codes through the area registry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.official.errors import Problem

MODEL_2021_HEADER = [
    "LA num",
    "LA Name",
    "LA number",
    "GOInd",
    "GOReg",
    *[h for n in range(1, 11) for h in (f"SN{n}", "SNP")],
    "",
]
MODEL_2025_HEADER = [
    "old_la_code",
    "la_name",
    "region_ind",
    "region_name",
    *[h for n in range(1, 11) for h in (f"SN_{n}", f"SN_{n}P")],
]
OLD_SECTION = "Old SNs:"


@dataclass(frozen=True)
class NeighbourRow:
    """One neighbour of one authority in one model: `area` and `neighbour` are area codes, `rank` 1 (closest) to
    10, `closeness` the DfE's words ("Very Close", "Close", ...) as published, trimmed."""

    area: str
    model: str
    rank: int
    neighbour: str
    closeness: str
    source_document: str
    source_line: int
    note: str = ""


def neighbour_model(header: list[str]) -> str | None:
    """'2021' or '2025' when `header` is exactly one of the two neighbour files' headers, else None."""
    if header == MODEL_2021_HEADER:
        return "2021"
    if header == MODEL_2025_HEADER:
        return "2025"
    return None


def read_neighbours(
    text: str, file: str, model: str, code_of_number: Mapping[str, str], problems: list[Problem]
) -> list[NeighbourRow]:
    """Rows of one neighbour file's text (header already recognised as `model`); faults go to `problems`."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    first_sn = 5 if model == "2021" else 4
    out: list[NeighbourRow] = []
    note = ""
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank separator lines
        if model == "2021" and cells[1].strip() == OLD_SECTION and not cells[0].strip():
            note = "Listed under 'Old SNs:': the authority's neighbours before it was reorganised."
            continue
        if len(cells) != len(header):
            problems.append(Problem(file, line, "", f"{len(cells)} cells where the header has {len(header)}"))
            continue
        number = cells[0].strip()
        if model == "2021" and cells[2].strip() != number:
            problems.append(Problem(file, line, "LA number", f"{cells[2]!r} differs from LA num {number!r}"))
            continue
        area = code_of_number.get(number)
        if area is None:
            problems.append(
                Problem(file, line, header[0], f"DfE number {number!r} is not an authority in the official files")
            )
            continue
        for rank in range(1, 11):
            col = first_sn + 2 * (rank - 1)
            other, closeness = cells[col].strip(), cells[col + 1].strip()
            neighbour = code_of_number.get(other)
            if neighbour is None:
                problems.append(
                    Problem(
                        file,
                        line,
                        header[col],
                        f"neighbour {other!r} is not a DfE number of an authority in the official files",
                    )
                )
                continue
            if not closeness:
                # the 2021 file names every closeness column "SNP": say which one
                label = f"{header[col + 1]} (after {header[col]})"
                problems.append(Problem(file, line, label, "the closeness is empty"))
                continue
            out.append(NeighbourRow(area, model, rank, neighbour, closeness, file, line, note))
    return out
