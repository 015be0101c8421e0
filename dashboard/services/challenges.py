"""The chair's challenge log as use cases: raise a challenge (by hand or from a drafted question), act on one (edit
its question, record the owner's response, close, withdraw, reopen), dismiss a draft; and the log page's reads
(the filtered log, the selected challenge, the drafts). Each write validates, checks the role on the server, writes
and records its audit entry in one transaction, and returns a WriteResult; each read returns plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from dashboard.auth.roles import User, has_role
from dashboard.reference.registry import registry
from dashboard.reference.view import ViewState
from dashboard.rules.challenges import (
    ACTION_EVENTS,
    ACTIONS,
    DISMISS_ROLE,
    MAX_MEETING,
    MAX_OWNER,
    MAX_QUESTION,
    RAISE_ROLE,
    STATUS_WORDS,
    ChallengeRuleError,
    Draft,
    clean_text,
    draft_questions,
    filter_challenges,
    is_overdue,
    parse_draft_key,
    parse_due_date,
    plan_action,
    role_for,
)
from dashboard.rules.periods import as_of_end
from dashboard.services import context
from dashboard.services.review import (
    Conflict,
    FigureTarget,
    WriteResult,
    actor_name,
    breakdown_rows,
    role_refusal,
)
from data_access import audit, db, review_store

ACTION_WORDS = {
    "edit": "edit a challenge's question",
    "answer": "record the owner's response",
    "close": "close a challenge",
    "withdraw": "withdraw a challenge",
    "reopen": "reopen a challenge",
}

# ------------------------------------------------------------------ writes


def raise_challenge(
    user: User | None,
    target: FigureTarget | Mapping | None,
    question: str | None,
    owner: str | None,
    due: str | date | None = None,
    meeting: str | None = None,
    *,
    today: date | None = None,
) -> WriteResult:
    """Raise a challenge about a figure: the question, the agency that owes an answer, an optional due date (not in
    the past) and meeting."""
    if refused := role_refusal(user, RAISE_ROLE, "raise a challenge", "Not raised"):
        return refused
    t = FigureTarget.from_data(target)
    if t is None:
        return WriteResult(False, "Not raised: there is no figure here to challenge.")
    try:
        q = clean_text(question, "question", MAX_QUESTION)
        o = clean_text(owner, "owner", MAX_OWNER)
        m = clean_text(meeting, "meeting", MAX_MEETING, required=False)
        d = parse_due_date(due.isoformat() if isinstance(due, date) else due, today or date.today())
        with db.session_scope() as s:
            cid = review_store.raise_challenge(
                t.indicator, t.area, t.period, q, o, actor_name(user), due_date=d, meeting=m, session=s
            )
            audit.record(
                actor_name(user),
                "challenge.raise",
                f"challenge/{cid}",
                {"indicator": t.indicator, "area": t.area, "owner": o},
                session=s,
            )
    except (ChallengeRuleError, review_store.NotFound) as e:
        return WriteResult(False, f"Not raised: {e}.")
    return WriteResult(True, f"Challenge #{cid} raised; it is in the challenge log.", version=1, challenge_id=cid)


class _DraftTaken(Exception):
    """The draft was raised or dismissed by someone else first."""


def _taken_message(key: str) -> str:
    done = review_store.draft_dismissal(key)
    if done is None:  # pragma: no cover - only if it was marked and then removed, which nothing does
        return "Not raised: this draft has already been dealt with; reload the page."
    when = f"{done['at']:%H:%M on %d %b}" if done["at"] else "a moment ago"
    if done["challenge"] is not None:
        return (
            f"Not raised: {done['by']} raised this draft as challenge #{done['challenge']} at {when}; it is in "
            "the challenge log, so it was not raised twice."
        )
    return f"Not raised: {done['by']} dismissed this draft at {when}."


def raise_from_draft(user: User | None, key: str | None, question: str | None, owner: str | None) -> WriteResult:
    """Raise a drafted question (as edited) and mark the draft dealt with, so it is not proposed again. When two
    people raise the same draft at once, one challenge is raised and the second person is told who raised it."""
    if refused := role_refusal(user, RAISE_ROLE, "raise a challenge", "Not raised"):
        return refused
    try:
        k = parse_draft_key(key)
        q = clean_text(question, "question", MAX_QUESTION)
        o = clean_text(owner, "owner", MAX_OWNER)
        with db.session_scope() as s:
            # Claim the draft first: the database lets one claim through, and makes a second wait and then fail,
            # so a draft is never raised twice.
            if not review_store.dismiss_draft(key, actor_name(user), session=s):
                raise _DraftTaken
            cid = review_store.raise_challenge(
                k.indicator, k.area, k.period, q, o, actor_name(user), facts=[f"drafted: {key}"], session=s
            )
            audit.record(
                actor_name(user), "challenge.raise", f"challenge/{cid}", {"from_draft": key, "owner": o}, session=s
            )
    except (ChallengeRuleError, review_store.NotFound) as e:
        return WriteResult(False, f"Not raised: {e}.")
    except _DraftTaken:
        return WriteResult(False, _taken_message(key))
    return WriteResult(True, f"Challenge #{cid} raised from the draft.", version=1, challenge_id=cid)


def dismiss_draft(user: User | None, key: str | None) -> WriteResult:
    """Dismiss a drafted question (the chair's decision) so it is not proposed again for the same figure."""
    if refused := role_refusal(user, DISMISS_ROLE, "dismiss a drafted question", "Not dismissed"):
        return refused
    try:
        parse_draft_key(key)
        with db.session_scope() as s:
            if not review_store.dismiss_draft(key, actor_name(user), session=s):
                raise _DraftTaken
            audit.record(actor_name(user), "draft.dismiss", key, session=s)
    except ChallengeRuleError as e:
        return WriteResult(False, f"Not dismissed: {e}.")
    except _DraftTaken:
        # Already gone from the list (dismissed or raised by someone else): what the chair wanted is so.
        return WriteResult(True, "Draft dismissed; it will not be proposed again for this figure.")
    return WriteResult(True, "Draft dismissed; it will not be proposed again for this figure.")


def act_on_challenge(
    user: User | None, challenge_id: int | None, version: int | None, action: str, text: str | None = None
) -> WriteResult:
    """Edit a challenge's question (`edit`, text = the question), record the owner's response (`answer`, text = the
    response), `close`, `withdraw` or `reopen` it. `version` is the version the person saw: if the challenge
    changed since, nothing is applied and the result carries what is stored now."""
    if action not in ACTIONS:
        return WriteResult(False, f"Not saved: there is no action {action!r}.")
    if refused := role_refusal(user, role_for(action), ACTION_WORDS[action]):
        return refused
    if challenge_id is None:
        return WriteResult(False, "Not saved: no challenge is selected.")
    try:
        with db.session_scope() as s:
            c = review_store.current_challenge(int(challenge_id), session=s)
            if version is not None and c["version"] != version:
                raise review_store.VersionConflict(c)
            plan = plan_action(c["status"], action, text)
            change = review_store.ChallengeChange(
                question=plan.question, response=plan.response, status=plan.status, action=ACTION_EVENTS[action]
            )
            new = review_store.update_challenge(c["id"], c["version"], actor_name(user), change, session=s)
            audit.record(actor_name(user), f"challenge.{action}", f"challenge/{c['id']}", {"version": new}, session=s)
    except (ChallengeRuleError, review_store.NotFound) as e:
        return WriteResult(False, f"Not saved: {e}.")
    except review_store.VersionConflict as e:
        cur = e.current
        conflict = Conflict(
            int(cur["version"]),
            cur["updated_by"],
            cur["updated_at"],
            status=cur["status"],
            question=cur["question"],
            response=cur["response"] or "",
        )
        when = f"{conflict.at:%H:%M on %d %b}" if conflict.at else "just now"
        return WriteResult(
            False,
            f"Not saved: {conflict.by} changed this challenge at {when} (now {conflict.status})."
            " The current text is below; your text is still in the boxes. Check it, then save "
            "again.",
            version=conflict.version,
            challenge_id=cur["id"],
            conflict=conflict,
        )
    return WriteResult(
        True, f"Challenge #{c['id']} {ACTION_EVENTS[action]} (version {new}).", version=new, challenge_id=c["id"]
    )


# ------------------------------------------------------------------ the log


@dataclass(frozen=True)
class ChallengeLog:
    """The log page: the rows its filters keep (as the grid shows them), a summary line, and each filter's choices
    (drawn from the board's whole log, so a filter never hides its own options)."""

    rows: list[dict]
    summary: str
    owners: list[str]
    domains: list[tuple[str, str]]  # (code, title)
    meetings: list[str]


def _log_rows(df: pd.DataFrame, today: date) -> list[dict]:
    domains = registry().domains
    rows = []
    for r in df.itertuples():
        due = None if pd.isna(r.due_date) else pd.Timestamp(r.due_date).date()
        raised = (
            "" if r.raised_at is None or pd.isna(r.raised_at) else pd.Timestamp(r.raised_at).strftime("%d %b %Y %H:%M")
        )
        rows.append(
            {
                "id": int(r.id),
                "status": STATUS_WORDS[r.status],
                "overdue": "Overdue" if is_overdue(r.status, due, today) else "",
                "indicator": r.indicator_title,
                "indicator_code": r.indicator,
                "area": r.area_name,
                "period": r.period_label or "",
                "question": r.question,
                "owner": r.owner,
                "due": f"{due:%Y-%m-%d}" if due else "",
                "meeting": r.meeting or "",
                "domain": domains[r.domain].title if r.domain in domains else r.domain,
                "raised": f"{raised} ({r.raised_by})",
                "response": r.response or "",
                "version": int(r.version),
            }
        )
    return rows


def challenge_log(
    view: ViewState,
    status: str | None = "active",
    owner: str | None = None,
    domain: str | None = None,
    meeting: str | None = None,
    *,
    today: date | None = None,
) -> ChallengeLog:
    """The challenges about the board's own areas that the filters keep (see rules.challenges.filter_challenges)."""
    ref = context.reference()
    df = review_store.challenges_table()
    df = df[df["area"].isin(ref.board_areas(view.board))]
    domains = registry().domains
    owners = sorted(df["owner"].unique())
    meetings = sorted(m for m in df["meeting"].unique() if m)
    domain_choices = [(d, domains[d].title) for d in sorted(df["domain"].unique()) if d in domains]
    rows = _log_rows(filter_challenges(df, status, owner, domain, meeting), today or date.today())
    overdue = sum(1 for r in rows if r["overdue"])
    summary = f"{len(rows)} challenge{'s' if len(rows) != 1 else ''} shown; {overdue} overdue."
    return ChallengeLog(rows, summary, owners, domain_choices, meetings)


@dataclass(frozen=True)
class Event:
    at: datetime | None
    actor: str
    action: str
    from_status: str
    to_status: str


@dataclass(frozen=True)
class SelectedChallenge:
    """One challenge with its history, and what this user may do with it now."""

    challenge: dict  # as review_store.current_challenge
    indicator_title: str
    overdue: bool
    events: list[Event]
    actions: list[tuple[str, str]]  # (action, role) the user may take from its status, edit excepted
    can_edit: bool  # the user may edit questions (the page disables the box unless the challenge is open)
    can_decide: bool  # the user may record responses, close, withdraw and reopen

    @property
    def question_open(self) -> bool:
        return self.challenge["status"] == "open"

    @property
    def response_open(self) -> bool:
        return self.challenge["status"] not in ("closed", "withdrawn")


def selected_challenge(user: User | None, challenge_id: int, today: date | None = None) -> SelectedChallenge | None:
    """The challenge the user selected in the log; None when there is no such challenge."""
    try:
        c = review_store.current_challenge(int(challenge_id))
    except review_store.NotFound:
        return None
    table = review_store.challenges_table().set_index("id")
    title = table.loc[c["id"], "indicator_title"] if c["id"] in table.index else ""
    events = [
        Event(
            None if pd.isna(e.at) else pd.Timestamp(e.at).to_pydatetime(), e.actor, e.action, e.from_status, e.to_status
        )
        for e in review_store.challenge_events(c["id"]).itertuples()
    ]
    can_decide = has_role(user, "chair")
    actions = [
        (a, role)
        for a, (allowed, _to, role) in ACTIONS.items()
        if a != "edit" and c["status"] in allowed and has_role(user, role)
    ]
    return SelectedChallenge(
        c,
        title,
        is_overdue(c["status"], c["due_date"], today or date.today()),
        events,
        actions,
        has_role(user, role_for("edit")),
        can_decide,
    )


# ------------------------------------------------------------------ drafted questions


@dataclass(frozen=True)
class DraftList:
    """The drafts for the area and period in view, each with its indicator's title, and what the user may do."""

    drafts: list[tuple[Draft, str]]
    can_raise: bool
    can_dismiss: bool


def drafts_list(view: ViewState, user: User | None) -> DraftList:
    """Every draft for the view's area and period that is not dismissed or already raised."""
    ref = context.reference()
    assessor = context.assessor(ref, view)
    end = as_of_end(view.period)
    assessments = [assessor.assess(code, view.area, end) for code in ref.indicators]
    shares = tuple(c for c, i in ref.indicators.items() if i["unit"] == "percent" and i["breakdowns"])
    rows = breakdown_rows(shares, view.area, view.period)
    rows = pd.DataFrame() if rows is None else rows
    drafts = draft_questions(
        assessments,
        rows,
        ref.indicators,
        view.area,
        ref.area_name(view.area),
        context.small_number_threshold(),
        review_store.dismissed_keys(),
    )
    return DraftList(
        [(d, ref.indicators[d.indicator]["title"]) for d in drafts],
        has_role(user, RAISE_ROLE),
        has_role(user, DISMISS_ROLE),
    )
