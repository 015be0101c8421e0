"""The board's own business as use cases: record a meeting's attendance (and escalate an agency that turns red
through the challenge log), set the board's attendance rule, name representatives, track actions (add, record
evidence, sign off); and the pages' reads (the chair's attendance view, the recording grid, the action tracker,
the board pack's section). Each write validates, checks the role on the server, writes and records its audit entry
in one transaction, and returns a WriteResult; each read returns plain dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from dashboard.auth.roles import User, has_role
from dashboard.reference.registry import DATASET_DIR, registry
from dashboard.reference.view import ViewState
from dashboard.rules import actions as action_rules
from dashboard.rules import attendance as rules
from dashboard.rules.challenges import ChallengeRuleError, clean_text
from dashboard.services.review import WriteResult, actor_name, role_refusal
from data_access import audit, board_store, db, review_store

RECORD_ROLE = "business_manager"  # records meetings, attendance and actions
RULE_ROLES = ("analyst", "chair")  # set the board's attendance rule
SIGN_OFF_ROLE = "chair"
ESCALATION_INDICATOR = "board_attendance_rate"
ACTIONS_FILE = DATASET_DIR / "actions.yaml"
MAX_NAME = 255


def _board_name(board: str) -> str:
    b = registry().boards.get(board)
    return b.short_name if b else board


def _board_area(board: str) -> str:
    """The area a board's own business belongs to: its board total, else its (single) local authority."""
    own = [a for a in registry().areas.values() if a.board == board and a.kind != "comparator"]
    own.sort(key=lambda a: (a.kind != "board_total", a.name))
    if not own:
        raise rules.AttendanceRuleError(f"there is no board {board!r}")
    return own[0].code


def _check_board(board: str | None) -> str:
    if not board or board not in registry().boards:
        raise rules.AttendanceRuleError(f"there is no board {board!r}")
    return board


def _parse_date(text: str | date | None, what: str) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise rules.AttendanceRuleError(f"give the {what} as a date (YYYY-MM-DD), not {text!r}") from None


def absences_rule(board: str) -> int:
    """The board's 'absences in a row' setting, or the default when the board has not set one."""
    return board_store.absence_rule(board) or rules.DEFAULT_ABSENCES_IN_A_ROW


def _marks_by_agency(rows: list[dict]) -> dict[str, list[rules.Mark]]:
    out: dict[str, list[rules.Mark]] = {}
    for r in rows:
        out.setdefault(r["agency"], []).append(rules.Mark(r["held_on"], r["status"], r["deputy"] or ""))
    return out


# ------------------------------------------------------------------ writes: attendance


def record_attendance(
    user: User | None,
    board: str | None,
    held_on: str | date | None,
    kind: str | None,
    marks: Mapping[str, tuple[str | None, str | None]] | None,
    *,
    today: date | None = None,
) -> WriteResult:
    """Record (or correct) one meeting's attendance: `marks` maps each agency to (status, deputy). Any agency
    that this meeting turns red under the board's rule gets an escalation drafted with the facts and raised in the
    challenge log, addressed to that agency, in the same transaction."""
    if refused := role_refusal(user, RECORD_ROLE, "record a meeting's attendance"):
        return refused
    actor = actor_name(user)
    try:
        b = _check_board(board)
        day = _parse_date(held_on, "meeting date")
        if day > (today or date.today()):
            raise rules.AttendanceRuleError("a meeting is recorded once it has been held, not before")
        if kind not in rules.MEETING_KINDS:
            raise rules.AttendanceRuleError(f"a meeting is a board or a subgroup meeting, not {kind!r}")
        checked: dict[str, tuple[str, str]] = {}
        for agency, (status, deputy) in (marks or {}).items():
            name = clean_text(agency, "agency", MAX_NAME)
            if not status:
                raise rules.AttendanceRuleError(f"say whether {name} was present, sent apologies or was absent")
            checked[name] = (rules.check_status(status, deputy), clean_text(deputy, "deputy", MAX_NAME, required=False))
        if not checked:
            raise rules.AttendanceRuleError("record at least one agency's attendance")
        n = absences_rule(b)
        escalated: list[tuple[str, int]] = []
        with db.session_scope() as s:
            mid, new = board_store.record_meeting(b, day, kind, actor, checked, session=s)
            before = _marks_by_agency(board_store.attendance_in(b, kind, session=s, exclude_meeting=mid))
            after = _marks_by_agency(board_store.attendance_in(b, kind, session=s))
            for agency in checked:
                if rules.turned_red(before.get(agency, []), after[agency], n):
                    cid = _escalate(s, b, agency, after[agency], n, actor, f"{rules.MEETING_KINDS[kind]} {day}", mid)
                    if cid is not None:
                        escalated.append((agency, cid))
            audit.record(
                actor,
                "board.attendance",
                f"meeting/{mid}",
                {
                    "board": b,
                    "held_on": day,
                    "kind": kind,
                    "new": new,
                    "marks": {a: st for a, (st, _d) in checked.items()},
                    "escalated": [a for a, _c in escalated],
                },
                session=s,
            )
    except (rules.AttendanceRuleError, ChallengeRuleError) as e:
        return WriteResult(False, f"Not saved: {e}.")
    word = "recorded" if new else "corrected"
    msg = f"Attendance at the {rules.MEETING_KINDS[kind].lower()} meeting of {day:%d %b %Y} {word}."
    if escalated:
        msg += " " + " ".join(
            f"{a} is now red (absent {n} times in a row): escalation drafted as challenge #{c}." for a, c in escalated
        )
    return WriteResult(True, msg, challenge_id=escalated[0][1] if escalated else None)


def _escalate(
    s, board: str, agency: str, marks: list[rules.Mark], n: int, actor: str, meeting: str, meeting_id: int
) -> int | None:
    """Raise the drafted escalation once per agency per meeting (claimed like a drafted question, so correcting
    the same meeting, or two people saving it at once, never raises it twice)."""
    key = f"escalation:{board}:{agency}:{meeting_id}"
    if not review_store.dismiss_draft(key, actor, session=s):
        return None
    question, facts = rules.escalation_question(agency, _board_name(board), marks, n)
    cid = review_store.raise_challenge(
        ESCALATION_INDICATOR,
        _board_area(board),
        None,
        question,
        agency,
        actor,
        meeting=meeting,
        facts=[*facts, f"drafted: {key}"],
        session=s,
    )
    audit.record(actor, "challenge.raise", f"challenge/{cid}", {"escalation": agency, "board": board}, session=s)
    return cid


def set_absence_rule(user: User | None, board: str | None, value: object) -> WriteResult:
    """The board sets how many absences in a row turn an agency red (an analyst or the chair records it)."""
    if not has_role(user, *RULE_ROLES):
        return role_refusal(user, RULE_ROLES[1], "change the board's attendance rule") or WriteResult(False, "")
    try:
        b = _check_board(board)
        n = rules.check_absence_rule(value)
        with db.session_scope() as s:
            before = board_store.set_absence_rule(b, n, actor_name(user), session=s)
            audit.record(
                actor_name(user), "board.rule", f"board/{b}", {"absences_in_a_row": n, "before": before}, session=s
            )
    except rules.AttendanceRuleError as e:
        return WriteResult(False, f"Not saved: {e}.")
    return WriteResult(True, f"Saved: an agency absent from {n} meetings in a row is now red.")


def add_representative(
    user: User | None,
    board: str | None,
    agency: str | None,
    name: str | None,
    role_title: str | None,
    username: str | None = None,
) -> WriteResult:
    """Name an agency's representative (a name, a role and the agency only); `username` links their sign-in."""
    if refused := role_refusal(user, RECORD_ROLE, "name an agency's representative"):
        return refused
    try:
        b = _check_board(board)
        a = clean_text(agency, "agency", MAX_NAME)
        n = clean_text(name, "name", MAX_NAME)
        r = clean_text(role_title, "role", MAX_NAME, required=False)
        u = clean_text(username, "user name", 64, required=False) or None
        with db.session_scope() as s:
            rid = board_store.add_representative(b, a, n, r, u, session=s)
            audit.record(
                actor_name(user),
                "board.representative",
                f"representative/{rid}",
                {"board": b, "agency": a, "role": r, "username": u},
                session=s,
            )
    except (rules.AttendanceRuleError, ChallengeRuleError) as e:
        return WriteResult(False, f"Not saved: {e}.")
    return WriteResult(True, f"{n} now represents {a}.")


# ------------------------------------------------------------------ reads: attendance


@dataclass(frozen=True)
class AttendanceRow:
    """One agency as the chair reads it: rates, absences in a row, and the board's rating in words."""

    agency: str
    representatives: str
    recent: str  # e.g. "50% (2 of 4)"
    year: str
    absences_in_a_row: int
    red: bool
    last: str  # e.g. "Absent, 12 Mar 2016"


@dataclass(frozen=True)
class AttendanceView:
    """The chair's page: who is not coming, under the board's rule."""

    board: str
    board_name: str
    absences_rule: int
    rows: list[AttendanceRow]
    meetings: list[dict]
    summary: str
    can_set_rule: bool
    can_record: bool


def _rate_text(rate: float | None, n: int) -> str:
    if rate is None:
        return "no meetings"
    return f"{rate:.0f}% ({round(rate * n / 100)} of {n})"


def attendance_view(board: str, user: User | None, *, kind: str = "board", today: date | None = None) -> AttendanceView:
    """Every member agency's attendance at the board's meetings of `kind`, red agencies first."""
    n = absences_rule(board)
    marks = _marks_by_agency(board_store.attendance_rows(board, kind))
    reps = {a["name"]: a["representatives"] for a in board_store.agencies(board)}
    as_of = today or date.today()
    rows = []
    for agency in sorted(set(marks) | set(reps)):
        sm = rules.summarise(agency, marks.get(agency, []), n, as_of)
        last = f"{rules.STATUS_WORDS[sm.last.status]}, {sm.last.held_on:%d %b %Y}" if sm.last else "not recorded"
        who = "; ".join(
            f"{r['name']} ({r['role_title']})" if r["role_title"] else r["name"] for r in reps.get(agency, [])
        )
        rows.append(
            AttendanceRow(
                agency,
                who,
                _rate_text(sm.recent_rate, sm.recent_meetings),
                _rate_text(sm.year_rate, sm.year_meetings),
                sm.absences_in_a_row,
                sm.red,
                last,
            )
        )
    rows.sort(key=lambda r: (not r.red, -r.absences_in_a_row, r.agency))
    red = [r.agency for r in rows if r.red]
    summary = (
        f"{len(red)} agenc{'y is' if len(red) == 1 else 'ies are'} red: " + ", ".join(red) + "."
        if red
        else "No agency has missed enough meetings in a row to be red."
    )
    mtgs = [m for m in board_store.meetings(board) if m["kind"] == kind]
    return AttendanceView(
        board, _board_name(board), n, rows, mtgs, summary, has_role(user, *RULE_ROLES), has_role(user, RECORD_ROLE)
    )


@dataclass(frozen=True)
class RecordingForm:
    """The business manager's grid: the member agencies, each with the status recorded at that meeting if any."""

    board: str
    board_name: str
    agencies: list[str]
    can_record: bool
    refusal: str = ""


def recording_form(board: str, user: User | None) -> RecordingForm:
    """The agencies the business manager records attendance for."""
    names = [a["name"] for a in board_store.agencies(board)]
    refusal = (
        ""
        if has_role(user, RECORD_ROLE)
        else (
            "Recording attendance needs the business_manager role; you can read the attendance on the board business "
            "page."
        )
    )
    return RecordingForm(board, _board_name(board), names, has_role(user, RECORD_ROLE), refusal)


# ------------------------------------------------------------------ writes: actions


def add_action(
    user: User | None,
    board: str | None,
    reference: str | None,
    source_kind: str | None,
    source: str | None,
    agency: str | None,
    text: str | None,
    due: str | date | None = None,
) -> WriteResult:
    """Add an action from a section 11 audit, a case review or an inspection."""
    if refused := role_refusal(user, RECORD_ROLE, "add an action"):
        return refused
    try:
        b = _check_board(board)
        if source_kind not in action_rules.SOURCE_KINDS:
            raise action_rules.ActionRuleError(f"an action comes from one of {', '.join(action_rules.SOURCE_KINDS)}")
        ref = clean_text(reference, "reference", 64)
        src = clean_text(source, "source", MAX_NAME)
        ag = clean_text(agency, "agency", MAX_NAME)
        body = clean_text(text, "action", action_rules.MAX_TEXT)
        d = None if due in (None, "") else _parse_date(due, "due date")
        with db.session_scope() as s:
            aid = board_store.add_action(b, ref, source_kind, src, ag, body, actor_name(user), due_date=d, session=s)
            if aid is None:
                raise action_rules.ActionRuleError(f"the board already has an action {ref}")
            audit.record(actor_name(user), "action.add", f"action/{aid}", {"reference": ref, "agency": ag}, session=s)
    except (action_rules.ActionRuleError, rules.AttendanceRuleError, ChallengeRuleError) as e:
        return WriteResult(False, f"Not added: {e}.")
    return WriteResult(True, f"Action {ref} added for {ag}.")


def record_evidence(user: User | None, action_id: int | None, evidence: str | None) -> WriteResult:
    """Record evidence of completion: the business manager for any action, a representative for their own
    agency's actions only."""
    if refused := role_refusal(user, "contributor", "record evidence against an action"):
        return refused
    try:
        text = clean_text(evidence, "evidence", action_rules.MAX_EVIDENCE)
        with db.session_scope() as s:
            a = board_store.action_for_update(int(action_id or 0), session=s)
            own = board_store.agency_of_user(user.name, a["board"]) if user else None
            if not action_rules.may_evidence(own, a["agency"], manager=has_role(user, RECORD_ROLE)):
                who = f"{user.name} represents {own}" if own else f"{user.name} represents no agency"
                return WriteResult(
                    False,
                    f"Not saved: {who}, so cannot record evidence against an action of {a['agency']}.",
                    refused=True,
                )
            status = action_rules.next_status(a["status"], "evidence")
            board_store.update_action(a["id"], actor_name(user), "evidenced", status, evidence=text, session=s)
            audit.record(actor_name(user), "action.evidence", f"action/{a['id']}", {"agency": a["agency"]}, session=s)
    except (action_rules.ActionRuleError, ChallengeRuleError, board_store.NotFound) as e:
        return WriteResult(False, f"Not saved: {e}.")
    return WriteResult(True, f"Evidence recorded against action {a['reference']}; it awaits the chair's sign-off.")


def sign_off_action(user: User | None, action_id: int | None) -> WriteResult:
    """The chair signs off an action whose evidence is recorded."""
    if refused := role_refusal(user, SIGN_OFF_ROLE, "sign off an action"):
        return refused
    try:
        with db.session_scope() as s:
            a = board_store.action_for_update(int(action_id or 0), session=s)
            status = action_rules.next_status(a["status"], "sign_off")
            board_store.update_action(a["id"], actor_name(user), "signed_off", status, signed_off=True, session=s)
            audit.record(actor_name(user), "action.sign_off", f"action/{a['id']}", {"agency": a["agency"]}, session=s)
    except (action_rules.ActionRuleError, board_store.NotFound) as e:
        return WriteResult(False, f"Not signed off: {e}.")
    return WriteResult(True, f"Action {a['reference']} signed off by {actor_name(user)}.")


def load_bundled_actions(path: Path = ACTIONS_FILE, actor: str = "init-db") -> int:
    """Add the bundled actions (the inspections' recommendations, each citing its document and line) that the
    database does not hold yet; returns how many were added."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    added = 0
    with db.session_scope() as s:
        for a in spec.get("actions", []):
            aid = board_store.add_action(
                a["board"],
                a["reference"],
                a["source_kind"],
                a["source"],
                a["agency"],
                a["text"],
                actor,
                due_date=a.get("due_date"),
                source_document=a["source_document"],
                source_line=a["source_line"],
                session=s,
            )
            if aid is not None:
                added += 1
        if added:
            audit.record(actor, "action.load", path.name, {"added": added}, session=s)
    return added


# ------------------------------------------------------------------ reads: actions


@dataclass(frozen=True)
class ActionRow:
    id: int
    reference: str
    source_kind: str
    source: str
    cited: str  # "document, line N" when the action quotes a document
    agency: str
    text: str
    due: str
    status: str
    overdue: bool
    days_overdue: int
    evidence: str
    signed_off: str
    can_evidence: bool = False  # this user may record evidence against it now
    can_sign_off: bool = False  # this user may sign it off now


@dataclass(frozen=True)
class ActionTracker:
    """The tracker: every action, the overdue ones first, and progress by source and by agency."""

    rows: list[ActionRow]
    overdue: list[ActionRow]
    by_source: list[action_rules.Progress]
    by_agency: list[action_rules.Progress]
    summary: str
    history: dict[int, list[dict]] = field(default_factory=dict)


def action_tracker(board: str, user: User | None = None, *, today: date | None = None) -> ActionTracker:
    """The board's actions as plain rows, with the overdue exceptions and progress, and what `user` may do to
    each (the use cases check again on the server)."""
    t = today or date.today()
    raw = board_store.actions(board)
    manager = has_role(user, RECORD_ROLE)
    own = board_store.agency_of_user(user.name, board) if user and has_role(user, "contributor") else None
    rows = [
        ActionRow(
            a["id"],
            a["reference"],
            action_rules.SOURCE_KINDS.get(a["source_kind"], a["source_kind"]),
            a["source"],
            f"{a['source_document']}, line {a['source_line']}" if a["source_line"] else "",
            a["agency"],
            a["text"],
            f"{a['due_date']:%Y-%m-%d}" if a["due_date"] else "no due date",
            action_rules.STATUS_WORDS.get(a["status"], a["status"]),
            action_rules.is_overdue(a["status"], a["due_date"], t),
            action_rules.days_overdue(a["status"], a["due_date"], t),
            a["evidence"],
            f"{a['signed_off_by']}, {a['signed_off_at']:%d %b %Y}" if a["signed_off_at"] else "",
            a["status"] != "signed_off"
            and has_role(user, "contributor")
            and action_rules.may_evidence(own, a["agency"], manager=manager),
            a["status"] == "evidenced" and has_role(user, SIGN_OFF_ROLE),
        )
        for a in raw
    ]
    overdue = sorted((r for r in rows if r.overdue), key=lambda r: -r.days_overdue)
    labelled = [{**a, "source_kind": action_rules.SOURCE_KINDS.get(a["source_kind"], a["source_kind"])} for a in raw]
    done = sum(a["status"] == "signed_off" for a in raw)
    summary = f"{len(raw)} actions: {done} signed off, {len(overdue)} overdue."
    return ActionTracker(
        rows,
        overdue,
        action_rules.progress_by(labelled, "source_kind", t),
        action_rules.progress_by(labelled, "agency", t),
        summary,
    )


def action_history(action_id: int) -> list[dict]:
    """Every change to an action with who and when."""
    return board_store.action_events(action_id)


# ------------------------------------------------------------------ the board pack


@dataclass(frozen=True)
class BoardBusinessForPack:
    """The pack's page of board business: attendance by agency and the overdue actions."""

    board_name: str
    absences_rule: int
    attendance: list[AttendanceRow]
    attendance_summary: str
    overdue_actions: list[ActionRow]
    actions_summary: str


def board_business_for_pack(view: ViewState, *, today: date | None = None) -> BoardBusinessForPack:
    """What the board pack prints on its board business page, for the view's board."""
    att = attendance_view(view.board, None, today=today)
    tracker = action_tracker(view.board, None, today=today)
    return BoardBusinessForPack(
        att.board_name, att.absences_rule, att.rows, att.summary, tracker.overdue, tracker.summary
    )


def add_agency(user: User | None, board: str | None, name: str | None) -> WriteResult:
    """Add a member agency to the board (the business manager keeps the membership)."""
    if refused := role_refusal(user, RECORD_ROLE, "add a member agency"):
        return refused
    try:
        b = _check_board(board)
        n = clean_text(name, "agency", MAX_NAME)
        if n in {a["name"] for a in board_store.agencies(b)}:
            return WriteResult(False, f"Not added: {n} is already a member agency.")
        with db.session_scope() as s:
            aid = board_store.ensure_agency(b, n, session=s)
            audit.record(actor_name(user), "board.agency", f"agency/{aid}", {"board": b, "name": n}, session=s)
    except (rules.AttendanceRuleError, ChallengeRuleError) as e:
        return WriteResult(False, f"Not added: {e}.")
    return WriteResult(True, f"{n} added to the member agencies.")
