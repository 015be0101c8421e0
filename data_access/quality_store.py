"""Reading what the data-quality checks need, and storing the flags they raise."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import delete, select

from data_access.db import get_engine, session_scope
from data_access.models import Area, DataQualityFlag, Indicator, Observation, ObservationHistory, Period

_TEXT = ("breakdown_dimension", "breakdown_value", "source_document", "source_kind")
_NUMBERS = ("value", "numerator", "denominator", "source_line")
_CHUNK = 50_000  # rows per read: bounded memory, few round trips
_COLUMNS = ("id", "indicator_id", "area_id", "period_id", *_TEXT, *_NUMBERS, "rounded")
# Text as categoricals from the first chunk on: a national dataset repeats a few breakdowns and sources.
_DTYPES = {
    "id": "int64",
    "indicator_id": "int64",
    "area_id": "int64",
    "period_id": "int64",
    **dict.fromkeys(_TEXT, "category"),
    **dict.fromkeys(_NUMBERS, "float64"),
    "rounded": "bool",
}
# The DfE rounds national and regional counts to the nearest 10: each such count may be up to 5 from the true one.
ROUNDED_COUNT_TOLERANCE = 5.0
# Only figures with a value are checked: a symbol (suppressed, not available ...) has nothing to compare.
_WITH_VALUE = "value IS NOT NULL"


def observations_for_checks() -> pd.DataFrame:
    """Every observation that has a value, with its codes, for the checks (the checks run off-line, after an
    import). `source_kind` says which kind of source gave it (figures of different kinds are checked apart);
    `tolerance` is how far the figure may be from the true one because its publisher rounded it
    (ROUNDED_COUNT_TOLERANCE for a rounded count, else 0).

    The table is read with its reference ids, a chunk at a time (on PostgreSQL through COPY, which streams
    rows as text far faster than row objects), and the ids then become codes as categoricals: a national
    dataset (millions of rows) takes tens of MB rather than gigabytes of repeated strings."""
    with get_engine().connect() as conn:
        chunks = list(_observation_chunks(conn))
        ref = _reference(conn)
    if not chunks:
        chunks = [pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in _COLUMNS})]
    columns = {}
    for col in _COLUMNS:  # column by column, freeing the chunks' copy as it goes
        parts = [c.pop(col) for c in chunks]
        columns[col] = (
            pd.Series(union_categoricals(parts), name=col) if col in _TEXT else pd.concat(parts, ignore_index=True)
        )
    obs = pd.DataFrame(columns, copy=False)
    out = pd.DataFrame({"id": obs["id"]})
    out["indicator"], out["unit"] = _codes(obs.pop("indicator_id"), ref["indicator"], "code", "unit")
    out["area"], out["area_kind"], board = _codes(obs.pop("area_id"), ref["area"], "code", "kind", "board_id")
    out["board_id"] = board.astype("float64")
    (out["period"],) = _codes(obs.pop("period_id"), ref["period"], "code")
    for col in (
        "breakdown_dimension",
        "breakdown_value",
        "value",
        "numerator",
        "denominator",
        "source_document",
        "source_line",
        "source_kind",
    ):
        out[col] = obs.pop(col)
    out["tolerance"] = np.where(obs.pop("rounded").to_numpy(dtype=bool), ROUNDED_COUNT_TOLERANCE, 0.0)
    return out


def _observation_chunks(conn) -> Iterator[pd.DataFrame]:
    dtypes = _DTYPES
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(
                f"COPY (SELECT {', '.join(_COLUMNS)} FROM observation WHERE {_WITH_VALUE}) TO STDOUT (FORMAT csv)"
            ) as cp,
        ):
            # Empty text cells come out quoted (""), NULL numbers as nothing: keep_default_na=False keeps ""
            # as text and reads nothing as NaN.
            yield from pd.read_csv(
                _CopyReader(cp),
                header=None,
                names=list(_COLUMNS),
                dtype=dtypes,
                keep_default_na=False,
                na_values={c: [""] for c in _NUMBERS},
                true_values=["t"],
                false_values=["f"],
                chunksize=_CHUNK,
            )
        return
    o = Observation.__table__.c
    stmt = select(*(o[c] for c in _COLUMNS)).where(o.value.isnot(None))
    streamed = conn.execution_options(stream_results=True, yield_per=_CHUNK)
    for chunk in pd.read_sql(stmt, streamed, chunksize=_CHUNK):
        yield chunk.astype(dtypes)


class _CopyReader(io.RawIOBase):
    """COPY ... TO STDOUT as a file pandas can read: each read fills the buffer from as many rows as fit."""

    def __init__(self, copy):
        self._copy = copy
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view, filled = memoryview(buffer).cast("B"), 0
        while filled < len(view):
            if not self._left:
                block = self._copy.read()  # one row per message from the server; b"" at the end
                if not block:
                    break
                self._left = memoryview(block)
            n = min(len(view) - filled, len(self._left))
            view[filled : filled + n] = self._left[:n]
            self._left = self._left[n:]
            filled += n
        return filled


def _reference(conn) -> dict[str, pd.DataFrame]:
    return {
        "indicator": pd.read_sql(select(Indicator.id, Indicator.code, Indicator.unit), conn),
        "area": pd.read_sql(select(Area.id, Area.code, Area.kind, Area.board_id), conn),
        "period": pd.read_sql(select(Period.id, Period.code), conn),
    }


def _codes(ids: pd.Series, table: pd.DataFrame, *columns: str) -> list[pd.Series]:
    """For each of `columns`, the reference table's value for every id, as a categorical (one array lookup)."""
    top = max(int(table["id"].max()) if len(table) else 0, int(ids.max()) if len(ids) else 0)
    position = np.full(top + 1, -1, dtype="int64")
    position[table["id"].to_numpy(dtype="int64")] = np.arange(len(table))
    rows = position[ids.to_numpy(dtype="int64")]
    out = []
    for col in columns:
        values = table[col]
        if col == "board_id":
            out.append(pd.Series(values.to_numpy(dtype="float64")[rows], index=ids.index))
            continue
        cats, inverse = np.unique(values.astype(str).to_numpy(), return_inverse=True)
        out.append(pd.Series(pd.Categorical.from_codes(inverse[rows], categories=cats), index=ids.index))
    return out


def replaced_values() -> pd.DataFrame:
    """Earlier values that imports replaced, with the source that gave them."""
    h = ObservationHistory
    stmt = select(h.observation_id, h.value, h.source_document, h.source_line).where(h.value.isnot(None))
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


def replace_flags(flags: list[dict]) -> int:
    """Store the result of a full check run: the flags replace the previous run's."""
    with session_scope() as s:
        ids = {
            "indicator": dict(s.execute(select(Indicator.code, Indicator.id)).all()),
            "area": dict(s.execute(select(Area.code, Area.id)).all()),
            "period": dict(s.execute(select(Period.code, Period.id)).all()),
        }
        s.execute(delete(DataQualityFlag))
        for f in flags:
            s.add(
                DataQualityFlag(
                    indicator_id=ids["indicator"][f["indicator"]],
                    area_id=ids["area"].get(f.get("area")),
                    period_id=ids["period"].get(f.get("period")),
                    check=f["check"],
                    message=f["message"],
                )
            )
    return len(flags)
