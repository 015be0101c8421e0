"""The board's attendance rules (pure): attendance rates, absences in a row, and when an agency turns red.

An agency is *represented* at a meeting when its member is present or sends apologies with a deputy who attends.
Apologies without a deputy are not attendance, but they are not an absence either: the board's rule counts only
meetings the agency missed without a word ("absent"), as boards escalate silence, not notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

STATUSES: tuple[str, ...] = ("present", "apologies", "absent")
STATUS_WORDS = {"present": "Present", "apologies": "Apologies", "absent": "Absent"}
MEETING_KINDS = {"board": "Board", "subgroup": "Subgroup"}
DEFAULT_ABSENCES_IN_A_ROW = 3  # the board can change it; three is the usual "persistent non-attendance" trigger
MAX_ABSENCES_IN_A_ROW = 12
RECENT_MEETINGS = 4


class AttendanceRuleError(ValueError):
    """What a person entered breaks a rule; the message says which, in words."""


@dataclass(frozen=True)
class Mark:
    """One agency's attendance at one meeting."""

    held_on: date
    status: str  # present | apologies | absent
    deputy: str = ""

    @property
    def represented(self) -> bool:
        return self.status == "present" or (self.status == "apologies" and bool(self.deputy.strip()))


def check_status(status: str | None, deputy: str | None = "") -> str:
    """The status, checked: one of STATUSES; a deputy is only named with apologies."""
    if status not in STATUSES:
        raise AttendanceRuleError(f"attendance must be one of {', '.join(STATUSES)}, not {status!r}")
    if (deputy or "").strip() and status != "apologies":
        raise AttendanceRuleError("a deputy is named only when the member sent apologies")
    return status


def check_absence_rule(value: object) -> int:
    """The board's 'N absences in a row' setting, checked: a whole number from 1 to MAX_ABSENCES_IN_A_ROW."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise AttendanceRuleError(f"the number of absences in a row must be a whole number, not {value!r}") from None
    if not 1 <= n <= MAX_ABSENCES_IN_A_ROW:
        raise AttendanceRuleError(f"the number of absences in a row must be from 1 to {MAX_ABSENCES_IN_A_ROW}")
    return n


def absences_in_a_row(marks: Sequence[Mark]) -> int:
    """How many of the latest meetings in a row the agency was absent from (marks in any order)."""
    n = 0
    for m in sorted(marks, key=lambda m: m.held_on, reverse=True):
        if m.status != "absent":
            break
        n += 1
    return n


def attendance_rate(marks: Sequence[Mark]) -> float | None:
    """Percentage of these meetings at which the agency was represented; None when there were none."""
    if not marks:
        return None
    return 100.0 * sum(m.represented for m in marks) / len(marks)


def is_red(marks: Sequence[Mark], absences_rule: int) -> bool:
    """The board's rule: red when the agency has missed the last `absences_rule` meetings in a row."""
    return absences_in_a_row(marks) >= absences_rule


def turned_red(before: Sequence[Mark], after: Sequence[Mark], absences_rule: int) -> bool:
    """True when recording a meeting made the agency red (it was not before): the moment to escalate."""
    return is_red(after, absences_rule) and not is_red(before, absences_rule)


@dataclass(frozen=True)
class AgencyAttendance:
    """One agency's record, as the chair reads it."""

    agency: str
    recent_rate: float | None  # the last RECENT_MEETINGS meetings
    recent_meetings: int
    year_rate: float | None  # the meetings in the 12 months to `as_of`
    year_meetings: int
    absences_in_a_row: int
    red: bool
    last: Mark | None


def summarise(agency: str, marks: Sequence[Mark], absences_rule: int, as_of: date) -> AgencyAttendance:
    """Rates over the last four meetings and the year to `as_of`, absences in a row, and the board's rating."""
    ordered = sorted((m for m in marks if m.held_on <= as_of), key=lambda m: m.held_on)
    recent = ordered[-RECENT_MEETINGS:]
    year_start = date(as_of.year - 1, as_of.month, min(as_of.day, 28))
    year = [m for m in ordered if m.held_on > year_start]
    return AgencyAttendance(
        agency,
        attendance_rate(recent),
        len(recent),
        attendance_rate(year),
        len(year),
        absences_in_a_row(ordered),
        is_red(ordered, absences_rule),
        ordered[-1] if ordered else None,
    )


def escalation_question(
    agency: str, board_name: str, marks: Sequence[Mark], absences_rule: int
) -> tuple[str, list[str]]:
    """The escalation drafted for an agency that turned red: the question and the facts it used."""
    missed = sorted((m.held_on for m in marks if m.status == "absent"), reverse=True)[: absences_in_a_row(marks)]
    dates = ", ".join(f"{d:%d %b %Y}" for d in sorted(missed))
    rate = attendance_rate(sorted(marks, key=lambda m: m.held_on)[-RECENT_MEETINGS:])
    facts = [
        f"{agency} was absent without apologies from {len(missed)} meetings in a row: {dates}.",
        f"The board's rule escalates after {absences_rule} absences in a row.",
        f"Attendance over the last {min(len(marks), RECENT_MEETINGS)} meetings: "
        f"{'no meetings' if rate is None else f'{rate:.0f}%'}.",
    ]
    question = (
        f"{agency} has not been represented at the last {len(missed)} meetings of the {board_name} "
        f"({dates}), with no apologies sent. Who will represent {agency} from the next meeting, and what "
        f"has prevented attendance?"
    )
    return question, facts
