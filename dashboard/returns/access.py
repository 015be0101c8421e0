"""Who may see child-level rows, and the only way they leave the database.

Child-level rows (pseudonymous id, age band, dates, codes) are for the people who check and explain the figures:
contributors (the council's performance officers who load the returns) and analysts (the Q&E subgroup's data
analysts). Viewers never see them. Chairs and administrators do not either: a chair challenges with the board's
figures, and running the system needs no access to children's records (data minimisation). Any role not named
here is refused. Child-level rows are never part of the board pack; an export of them needs an explicit flag,
and an audit-log entry is written before the file is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

CHILD_LEVEL_ROLES = frozenset({"contributor", "analyst"})


class ChildLevelRefused(PermissionError):
    """The user may not see (or export) child-level rows."""


def may_see_child_level(role: str | Iterable[str] | None) -> bool:
    """True for contributors and analysts; False for viewers, chairs, admins and anyone else. Give the role, or
    the roles granted to the user directly: a role that merely includes contributor's rights to write (chair,
    admin) does not bring the right to see children's records."""
    roles = [role] if isinstance(role, str) or role is None else list(role)
    return any((r or "").strip().lower() in CHILD_LEVEL_ROLES for r in roles)


def drill_down(role: str | Iterable[str] | None, indicator: str, area: str, period: str) -> pd.DataFrame:
    """The anonymised children behind a figure, for a role that may see them; refuses everyone else."""
    if not may_see_child_level(role):
        raise ChildLevelRefused("child-level rows are shown to contributors and analysts only")
    from data_access.returns_store import child_level_rows

    return child_level_rows(indicator, area, period)


def export_child_level(
    role: str | Iterable[str] | None,
    indicator: str,
    area: str,
    period: str,
    path: Path | str,
    *,
    include_child_level: bool,
    audit: Callable[[str], None],
) -> int:
    """Write the children behind a figure to CSV: only with `include_child_level=True`, only for a role that
    may see them, and only after `audit` has recorded who exported what (if it fails, nothing is written)."""
    if not include_child_level:
        raise ChildLevelRefused("child-level rows are exported only when asked for explicitly")
    df = drill_down(role, indicator, area, period)
    audit(f"exported {len(df)} child-level rows: {indicator}, {area}, {period} (role {role})")
    from data_access.returns_store import write_child_level_csv

    return write_child_level_csv(df, path)
