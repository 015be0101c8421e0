"""The action tracker's rules (pure): what each role may do to an action, when an action is overdue, progress.

An action is open until its owner records evidence of completion (evidenced), and done when the chair signs it
off (signed off). Due dates are calendar dates: an action not signed off by the end of its due date is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

SOURCE_KINDS = {"section11": "Section 11 audit", "review": "Serious case / learning review", "inspection": "Inspection"}
STATUS_WORDS = {"open": "Open", "evidenced": "Evidence recorded", "signed_off": "Signed off"}
MAX_TEXT = 2000
MAX_EVIDENCE = 4000


class ActionRuleError(ValueError):
    """A change breaks a rule; the message says which, in words."""


def is_overdue(status: str, due: date | None, today: date) -> bool:
    """Not signed off and past its due date (a calendar date; no working days)."""
    return status != "signed_off" and due is not None and today > due


def days_overdue(status: str, due: date | None, today: date) -> int:
    return (today - due).days if is_overdue(status, due, today) and due is not None else 0


def may_evidence(user_agency: str | None, action_agency: str, *, manager: bool) -> bool:
    """A business manager may record evidence against any action; a representative only against their own
    agency's (`user_agency` is the agency the user represents, None when they represent none)."""
    return manager or (bool(user_agency) and user_agency == action_agency)


def next_status(status: str, change: str) -> str:
    """The status after `change` (evidence | sign_off | reopen); raises ActionRuleError if not allowed now."""
    if change == "evidence":
        if status == "signed_off":
            raise ActionRuleError("this action is signed off; reopen it before adding evidence")
        return "evidenced"
    if change == "sign_off":
        if status != "evidenced":
            raise ActionRuleError("an action is signed off only once evidence of completion is recorded")
        return "signed_off"
    if change == "reopen":
        if status == "open":
            raise ActionRuleError("this action is already open")
        return "open"
    raise ActionRuleError(f"there is no change {change!r}")


@dataclass(frozen=True)
class Progress:
    """Progress of one group of actions (a source or an agency)."""

    group: str
    total: int
    signed_off: int
    overdue: int

    @property
    def percent_done(self) -> float | None:
        return 100.0 * self.signed_off / self.total if self.total else None


def progress_by(actions: Iterable[dict], key: str, today: date) -> list[Progress]:
    """Progress per value of `key` ('source_kind' or 'agency'): total, signed off, overdue; sorted by group."""
    groups: dict[str, list[dict]] = {}
    for a in actions:
        groups.setdefault(str(a[key]), []).append(a)
    return [
        Progress(
            g,
            len(rows),
            sum(r["status"] == "signed_off" for r in rows),
            sum(is_overdue(r["status"], r["due_date"], today) for r in rows),
        )
        for g, rows in sorted(groups.items())
    ]
