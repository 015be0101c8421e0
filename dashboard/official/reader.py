"""Read the DfE's published open-data files into observation, area and neighbour rows, without a database.

`read_official(paths)` takes files (`.csv` or `.csv.gz`) or folders - by default the bundled snapshot - and
recognises each file by its header through mapping.yaml. A header the mapping does not know, a changed header, a
category value it does not list, an unparseable number, an unknown symbol or an area that cannot be placed stops the
read with an `OfficialReadError` naming the file, line and column: nothing is returned, so no figure can land in the
wrong indicator. Symbols (`c`, `x`, `z`, `k`, `low`, `u`) are data: each gives an observation with no value and a
`value_status`.

Each file is parsed once by pandas' C parser as text, and every check and conversion works a column at a time.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.official import SNAPSHOT_DIR
from dashboard.official.areas import (
    GEO_COLUMNS,
    LOCAL,
    NATIONAL,
    REGIONAL,
    AreaError,
    OfficialArea,
    build_areas,
    geography,
    slug,
)
from dashboard.official.errors import MAX_PROBLEMS, OfficialReadError, Problem
from dashboard.official.files import display_name, expand_paths, header_of, read_text
from dashboard.official.mapping import Measure, OfficialMapping, Publication, apply_period_rule, load_mapping
from dashboard.official.neighbours import NeighbourRow, neighbour_model, read_neighbours

# The import format's columns (data_access/importer.py COLUMNS), then what an official figure adds.
IMPORT_COLUMNS = [
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
]
OBSERVATION_COLUMNS = [*IMPORT_COLUMNS, "value_status", "source_kind", "rounded"]
SOURCE_KIND = "official"
KEY = ["indicator", "area", "period", "breakdown_dimension", "breakdown_value"]
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
_NOT_PLAIN = re.compile(rf"^(?!{_NUMBER}$).*$", re.M)
_LEVELS = (NATIONAL, REGIONAL, LOCAL)


@dataclass(frozen=True)
class FileRead:
    """What one file gave: its name, the publication (mapping id, or `neighbours_2021`/`neighbours_2025`), its data
    rows and the observations (or neighbour rows) made from them."""

    file: str
    publication: str
    rows: int
    produced: int


@dataclass
class OfficialRead:
    """Everything one read gives, ready to persist.

    `observations`: a DataFrame with OBSERVATION_COLUMNS - the import format's columns (value, numerator and
    denominator as floats, NaN when absent; source_line an int; derived a bool) plus `value_status` (None for a
    number, else suppressed | not_available | not_applicable | fewer_than_half | low_reliability), `source_kind`
    ("official") and `rounded` (True where the DfE rounded the counts to the nearest 10).
    `areas`: the area registry; `neighbours`: the statistical neighbours; `files`: one FileRead per file.
    """

    observations: pd.DataFrame
    areas: list[OfficialArea]
    neighbours: list[NeighbourRow]
    files: list[FileRead] = field(default_factory=list)
    seconds: float = 0.0

    def observation_rows(self) -> Iterator[dict]:
        """The observations as dicts, with None (not NaN) where there is no number."""
        frame = self.observations.astype(object).where(self.observations.notna(), None)
        for row in frame.itertuples(index=False, name=None):
            yield dict(zip(OBSERVATION_COLUMNS, row, strict=True))

    def area_rows(self) -> list[dict]:
        return [a.as_row() for a in self.areas]

    def neighbour_rows(self) -> list[dict]:
        return [n.__dict__.copy() for n in self.neighbours]


@dataclass
class _Parsed:
    path: Path
    name: str
    publication: Publication
    frame: pd.DataFrame
    lines: np.ndarray  # 1-based line number of each row


class _Problems(list):
    def add(self, problem: Problem) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(problem)

    def first_rows(self, name: str, lines: np.ndarray, mask: np.ndarray, column: str, message, values=None) -> None:
        """One problem per faulty row (up to the limit); `message` may be a function of the cell's value."""
        for i in np.flatnonzero(mask)[: max(0, MAX_PROBLEMS - len(self))]:
            text = message(values.iloc[i]) if callable(message) else message
            self.add(Problem(name, int(lines[i]), column, text))


def read_official(
    paths: Iterable[str | Path] | str | Path | None = None,
    *,
    mapping: OfficialMapping | None = None,
    areas: list[OfficialArea] | None = None,
) -> OfficialRead:
    """Read official files (or folders of them; default: the bundled snapshot) into observations, areas and
    neighbours. The area registry is built from the files read unless `areas` is given. All or nothing: any fault
    raises OfficialReadError listing each problem with its file, line and column."""
    started = time.perf_counter()
    mapping = mapping or load_mapping()
    files = expand_paths(SNAPSHOT_DIR if paths is None else paths)
    problems = _Problems()
    parsed: list[_Parsed] = []
    neighbour_files: list[tuple[str, str, str]] = []
    for path in files:
        name = display_name(path)
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError, EOFError) as e:
            problems.add(Problem(name, 1, "", f"cannot be read as UTF-8 text: {e}"))
            continue
        header = header_of(text)
        if model := neighbour_model(header):
            neighbour_files.append((name, model, text))
            continue
        p = _parse(path, name, text, header, mapping, problems)
        if p is not None:
            parsed.append(p)
    if problems:
        raise OfficialReadError(problems)

    if areas is None:
        try:
            areas = build_areas(geography(p.frame for p in parsed))
        except AreaError as e:
            raise OfficialReadError([Problem(", ".join(p.name for p in parsed), 1, "", str(e))]) from e
    region_of = {a.new_la_code: a.code for a in areas if a.kind == "region"}
    england = next((a.code for a in areas if a.kind == "england"), "england")
    authority_of = {a.old_la_code: a.code for a in areas if a.kind == "local_authority" and a.old_la_code}

    frames, reads = [], []
    for p in parsed:
        area = _areas(p, england, region_of, authority_of, problems)
        out = [_measure(p, m, area, mapping, problems) for m in p.publication.measures]
        obs = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=OBSERVATION_COLUMNS)
        frames.append(obs)
        reads.append(FileRead(p.name, p.publication.id, len(p.frame), len(obs)))

    neighbours: list[NeighbourRow] = []
    for name, model, text in neighbour_files:
        rows = read_neighbours(text, name, model, authority_of, problems)
        neighbours.extend(rows)
        reads.append(FileRead(name, f"neighbours_{model}", text.count("\n"), len(rows)))

    observations = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OBSERVATION_COLUMNS))[
        OBSERVATION_COLUMNS
    ]
    status = observations["value_status"].astype(object)
    observations["value_status"] = status.where(status.notna(), None)  # None, not NaN, for a number
    _duplicates(observations, problems)
    if problems:
        raise OfficialReadError(problems)
    return OfficialRead(observations, list(areas), neighbours, reads, time.perf_counter() - started)


def _parse(
    path: Path, name: str, text: str, header: list[str], mapping: OfficialMapping, problems: _Problems
) -> _Parsed | None:
    """Recognise the file by its header and values and parse it as text; None (with problems added) if not."""
    candidates = mapping.by_header(header)
    if not candidates:
        problems.add(_header_problem(name, header, mapping))
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, ValueError) as e:
        problems.add(Problem(name, _line_in(str(e)), "", f"not a well-formed CSV file: {e}"))
        return None
    frame.columns = header  # the csv module's reading of the header, already checked against the mapping
    lines = _line_numbers(text, len(frame))
    if frame.isna().any().any():
        # a row with fewer cells than the header
        short = frame.isna().any(axis=1).to_numpy()
        problems.first_rows(name, lines, short, "", f"fewer cells than the header's {len(header)}")
        return None
    publication = _choose(name, frame, lines, candidates, problems)
    if publication is None:
        return None
    bad_ti = (frame["time_identifier"] != publication.time_identifier).to_numpy()
    problems.first_rows(
        name,
        lines,
        bad_ti,
        "time_identifier",
        lambda v: f"{v!r}: the mapping reads only {publication.time_identifier!r} rows",
        frame["time_identifier"],
    )
    bad_tp = (~frame["time_period"].str.fullmatch(r"(19|20)[0-9]{2}")).to_numpy()
    problems.first_rows(name, lines, bad_tp, "time_period", lambda v: f"{v!r} is not a year", frame["time_period"])
    bad_level = (~frame["geographic_level"].isin(_LEVELS)).to_numpy()
    problems.first_rows(
        name,
        lines,
        bad_level,
        "geographic_level",
        lambda v: f"{v!r} is not National, Regional or Local authority",
        frame["geographic_level"],
    )
    if bad_ti.any() or bad_tp.any() or bad_level.any():
        return None
    return _Parsed(path, name, publication, frame, lines)


def _header_problem(name: str, header: list[str], mapping: OfficialMapping) -> Problem:
    """Say where the header departs from the nearest publication the mapping knows."""
    best = max(mapping.publications, key=lambda p: len(set(p.header) & set(header)), default=None)
    if best is None or len(set(best.header) & set(header)) < len(best.header) // 2:
        return Problem(
            name,
            1,
            "",
            "the header matches no publication in the mapping (its columns: "
            f"{', '.join(header[:6])}{', ...' if len(header) > 6 else ''})",
        )
    for i, (got, want) in enumerate(zip(header, best.header, strict=False)):
        if got != want:
            return Problem(
                name,
                1,
                got,
                f"column {i + 1} is {got!r} where the mapping's {best.id!r} "
                f"({best.published_as}) has {want!r}: the layout has changed",
            )
    if len(header) > len(best.header):
        return Problem(
            name,
            1,
            header[len(best.header)],
            f"an extra column {len(best.header) + 1} not in the mapping's {best.id!r}: the layout has changed",
        )
    return Problem(
        name,
        1,
        best.header[len(header)],
        f"column {len(header) + 1} ({best.header[len(header)]!r} in "
        f"the mapping's {best.id!r}) is missing: the layout has changed",
    )


def _choose(
    name: str, frame: pd.DataFrame, lines: np.ndarray, candidates: list[Publication], problems: _Problems
) -> Publication | None:
    """The one publication with this header whose listed values cover every row's; else a problem at the first
    row with a value none of them lists."""
    fits = []
    for pub in candidates:
        if all(frame[col].isin(values).all() for col, values in pub.known_values.items()):
            fits.append(pub)
    if len(fits) == 1:
        return fits[0]
    if len(fits) > 1:
        problems.add(
            Problem(
                name,
                1,
                "",
                f"the header and values fit {', '.join(p.id for p in fits)}: the mapping "
                "must tell them apart by known_values",
            )
        )
        return None

    # report against the candidate the file fits best (fewest unknown values)
    def misfits(pub: Publication) -> int:
        return sum(int((~frame[c].isin(v)).sum()) for c, v in pub.known_values.items())

    pub = min(candidates, key=misfits)
    for col, values in pub.known_values.items():
        bad = (~frame[col].isin(values)).to_numpy()
        problems.first_rows(
            name,
            lines,
            bad,
            col,
            lambda v, pub=pub: (
                f"{v!r} is not a value the mapping knows for {pub.id!r} "
                "(a new or renamed category: add it to mapping.yaml)"
            ),
            frame[col],
        )
    return None


def _line_numbers(text: str, rows: int) -> np.ndarray:
    """1-based line of each data row: row i is line i + 2 unless a quoted cell spans lines, then count them."""
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if physical == rows + 1:
        return np.arange(2, rows + 2)
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    starts, line = [], reader.line_num + 1
    for record in reader:
        if record:
            starts.append(line)
        line = reader.line_num + 1
    return np.asarray(starts[:rows] + [0] * (rows - len(starts[:rows])))


def _line_in(message: str) -> int:
    m = re.search(r"line (\d+)", message)
    return int(m[1]) if m else 1


def _areas(p: _Parsed, england: str, region_of: dict, authority_of: dict, problems: _Problems) -> pd.Series:
    """Each row's area code, from its geographic level and codes."""
    f = p.frame
    level = f["geographic_level"]
    area = pd.Series(england, index=f.index, dtype=object)
    reg = (level == REGIONAL).to_numpy()
    loc = (level == LOCAL).to_numpy()
    area[reg] = f.loc[reg, "region_code"].map(region_of)
    area[loc] = f.loc[loc, "old_la_code"].map(authority_of)
    missing = area.isna().to_numpy()
    problems.first_rows(
        p.name, p.lines, missing & reg, "region_code", lambda v: f"region {v!r} is not an area", f["region_code"]
    )
    problems.first_rows(
        p.name,
        p.lines,
        missing & loc,
        "old_la_code",
        lambda v: f"DfE number {v!r} is not an authority in the area registry",
        f["old_la_code"],
    )
    return area


def _numbers(p: _Parsed, rows: np.ndarray, column: str, mapping: OfficialMapping, problems: _Problems):
    """(float values with NaN, status per row or None) of `column` in the selected rows; a cell that is neither a
    number nor a known symbol is a problem."""
    cells = p.frame[column].to_numpy()[rows]
    s = pd.Series(cells, dtype=object)
    # pandas' C parser reads the numbers; a cell it reads as a number must also look like a plain one (no "nan",
    # "inf", exponent or spaces), checked with a regex only on the cells that are not symbols
    parsed = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    status = s.map(mapping.symbols).to_numpy(dtype=object)
    is_number = ~np.isnan(parsed)
    if is_number.any():
        # one regex pass over the column joined into one text finds the distinct cells that are not plain numbers
        odd = set(_NOT_PLAIN.findall("\n".join(s[is_number])))
        if odd:
            is_number &= ~s.isin(odd).to_numpy()
    bad = ~is_number & pd.isna(status)
    if bad.any():
        problems.first_rows(
            p.name,
            p.lines[rows],
            bad,
            column,
            lambda v: f"{v!r} is neither a number nor a symbol the mapping knows ({', '.join(mapping.symbols)})",
            s,
        )
    values = np.where(is_number, parsed, np.nan)
    status[is_number] = None
    status[bad] = None
    return values, status


def _select(f: pd.DataFrame, where: dict[str, str], exclude: dict[str, tuple[str, ...]] | None = None) -> np.ndarray:
    mask = np.ones(len(f), dtype=bool)
    for col, val in where.items():
        mask &= (f[col] == val).to_numpy()
    for col, vals in (exclude or {}).items():
        mask &= ~f[col].isin(vals).to_numpy()
    return mask


def _measure(p: _Parsed, m: Measure, area: pd.Series, mapping: OfficialMapping, problems: _Problems) -> pd.DataFrame:
    """The observations one measure makes from one parsed file."""
    f = p.frame
    rows = np.flatnonzero(_select(f, m.where, m.exclude))
    n = len(rows)
    if m.derived:
        value, status = _derived(p, rows, m, mapping, problems)
    else:
        value, status = _numbers(p, rows, m.value, mapping, problems)
    numerator = _numbers(p, rows, m.numerator, mapping, problems)[0] if m.numerator else np.full(n, np.nan)
    if m.derived:
        numerator = _sum(p, rows, m.derived_sum, mapping, problems)
        denominator = _numbers(p, rows, m.derived_over, mapping, problems)[0]
    elif m.denominator and m.denominator_where:
        denominator = _other_row(p, rows, m, mapping, problems)
    elif m.denominator:
        denominator = _numbers(p, rows, m.denominator, mapping, problems)[0]
    else:
        denominator = np.full(n, np.nan)
    level = f["geographic_level"].to_numpy()[rows]
    if m.breakdown_from:
        texts = f[m.breakdown_from].iloc[rows]
        bvalue = texts.map({t: slug(t) for t in texts.unique()}).to_numpy(dtype=object)
    else:
        bvalue = np.full(n, m.breakdown_value, dtype=object)
    out = pd.DataFrame(
        {
            "indicator": m.indicator,
            "area": area.to_numpy()[rows],
            "period": apply_period_rule(m.period, f["time_period"].iloc[rows]).to_numpy(),
            "breakdown_dimension": m.breakdown_dimension,
            "breakdown_value": bvalue,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "unit": m.unit,
            "source_document": p.name,
            "source_line": p.lines[rows].astype(int),
            "note": m.note,
            "derived": m.derived,
            "value_status": status,
            "source_kind": SOURCE_KIND,
            "rounded": p.publication.rounded & (level != LOCAL),
        }
    )
    return out


def _sum(
    p: _Parsed, rows: np.ndarray, columns: tuple[str, ...], mapping: OfficialMapping, problems: _Problems
) -> np.ndarray:
    total = np.zeros(len(rows))
    for col in columns:
        total = total + _numbers(p, rows, col, mapping, problems)[0]  # NaN (a symbol) in any part gives NaN
    return total


def _derived(p: _Parsed, rows: np.ndarray, m: Measure, mapping: OfficialMapping, problems: _Problems):
    """sum(parts) / over * times, rounded; where a part or the base is a symbol, no value and that symbol's status;
    where the base is 0, no value and `not_applicable` (no conferences, no percentage)."""
    n = len(rows)
    status = np.full(n, None, dtype=object)
    parts = []
    for col in (*m.derived_sum, m.derived_over):
        vals, st = _numbers(p, rows, col, mapping, problems)
        parts.append(vals)
        take = pd.isna(status) & ~pd.isna(st)
        status[take] = st[take]
    top = np.sum(parts[:-1], axis=0)
    over = parts[-1]
    zero = (over == 0) & pd.isna(status)
    status[zero] = "not_applicable"
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.round(top / over * m.derived_times, m.derived_decimals)
    value[~pd.isna(status)] = np.nan
    return value, status


def _other_row(p: _Parsed, rows: np.ndarray, m: Measure, mapping: OfficialMapping, problems: _Problems) -> np.ndarray:
    """The denominator read from another row of the same area and year (e.g. the 'Total' row)."""
    f = p.frame
    keys = [c for c in GEO_COLUMNS if c in f.columns]
    other = np.flatnonzero(_select(f, {**m.where, **m.denominator_where}))
    vals, _ = _numbers(p, other, m.denominator, mapping, problems)
    index = pd.MultiIndex.from_frame(f.iloc[other][keys])
    if index.has_duplicates:
        dup = index.duplicated(keep="first")
        problems.first_rows(
            p.name,
            p.lines[other],
            dup,
            m.denominator,
            f"a second denominator row for the same area and year ({m.denominator_where})",
        )
        return np.full(len(rows), np.nan)
    lookup = pd.Series(vals, index=index)
    wanted = pd.MultiIndex.from_frame(f.iloc[rows][keys])
    return lookup.reindex(wanted).to_numpy(dtype=float)


def _duplicates(obs: pd.DataFrame, problems: _Problems) -> None:
    """Two observations with the same indicator, area, period and breakdown would overwrite each other."""
    dup = obs.duplicated(KEY, keep=False).to_numpy()
    if not dup.any():
        return
    clash = obs[dup].sort_values([*KEY, "source_document", "source_line"])
    for _, group in clash.groupby(KEY, sort=False):
        first, *rest = group.itertuples(index=False)
        for r in rest[:1]:
            problems.add(
                Problem(
                    r.source_document,
                    int(r.source_line),
                    "",
                    f"{r.indicator} for {r.area} {r.period} {r.breakdown_value} is also given by "
                    f"{first.source_document}, line {first.source_line}",
                )
            )
        if len(problems) >= MAX_PROBLEMS:
            break
