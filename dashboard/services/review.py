"""The indicator page's review work: commentary on a figure, the challenges about it and the question drafted from
it. Each write is one use case (validate, check the role, write, audit, in one transaction); each read returns
plain data for layouts.review to draw. The challenge log page's use cases are in dashboard.services.challenges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from dashboard.auth.roles import User, has_role
from dashboard.reference.view import Reference, ViewState
from dashboard.rules.challenges import (
    COMMENT_ROLE,
    MAX_COMMENTARY,
    RAISE_ROLE,
    ChallengeRuleError,
    Draft,
    clean_text,
    drafts_for_indicator,
    is_overdue,
)
from dashboard.rules.periods import as_of_end, up_to
from dashboard.rules.scorecard import Assessment
from dashboard.services import context
from data_access import audit, db, queries, review_store

# ------------------------------------------------------------------ what a write returns


@dataclass(frozen=True)
class Conflict:
    """What is stored now, shown to the person whose save came second so they can compare before saving again."""

    version: int
    by: str
    at: datetime | None
    status: str = ""  # a challenge's
    question: str = ""  # a challenge's
    response: str = ""  # a challenge's
    body: str = ""  # a commentary's


@dataclass(frozen=True)
class WriteResult:
    """The outcome of a write, in words for the person who asked. `version` is the new version when saved, and the
    stored one on a conflict; `refused` means the person's role does not allow it."""

    ok: bool
    message: str
    version: int | None = None
    challenge_id: int | None = None
    conflict: Conflict | None = None
    refused: bool = False


def role_refusal(user: User | None, role: str, what: str, verb: str = "Not saved") -> WriteResult | None:
    """None when `user` may do `what`; otherwise the refusal to return. The pages hide what a role cannot do, but
    a request can be made without the page, so every use case asks this on the server."""
    if has_role(user, role):
        return None
    who = f"{user.name} ({user.role or 'no role'})" if user else "Nobody is signed in, so"
    return WriteResult(False, f"{verb}: {who} cannot {what}; it needs the {role} role.", refused=True)


def actor_name(user: User | None) -> str:
    """The name the audit log and the history give the user."""
    return user.name if user else "anonymous"


# ------------------------------------------------------------------ which figure


@dataclass(frozen=True)
class FigureTarget:
    """One figure on an indicator page (indicator x area x period), and the commentary version the page showed."""

    indicator: str
    area: str
    period: str | None
    version: int = 0

    @classmethod
    def from_data(cls, data: FigureTarget | Mapping | None) -> FigureTarget | None:
        """The target as the page stored it (a dict in a dcc.Store), or None when there is no figure."""
        if data is None or isinstance(data, FigureTarget):
            return data
        if not data.get("indicator") or not data.get("area"):
            return None
        return cls(str(data["indicator"]), str(data["area"]), data.get("period") or None, int(data.get("version") or 0))

    def as_data(self, *, with_version: bool = True) -> dict:
        """The dict the page keeps in its store."""
        out = {"indicator": self.indicator, "area": self.area, "period": self.period}
        return {**out, "version": self.version} if with_version else out

    @property
    def name(self) -> str:
        """How the audit log names the figure."""
        return f"{self.indicator}/{self.area}/{self.period}"


@dataclass(frozen=True)
class _Figure:
    ref: Reference
    view: ViewState
    code: str
    assessment: Assessment


def _figure(view: ViewState, code: str, ref: Reference | None = None) -> _Figure | None:
    ref = ref or context.reference()
    if code not in ref.indicators:
        return None
    a = context.assessor(ref, view).assess(code, view.area, as_of_end(view.period))
    return _Figure(ref, view, code, a)


def breakdown_rows(codes: tuple[str, ...], area: str, period: str | None) -> pd.DataFrame | None:
    """The figures (with breakdowns) of these indicators for one area, up to the end of the view's period: what a
    breakdown draft is judged on, on the indicator page and on the challenge log alike."""
    if not codes:
        return None
    return up_to(queries.domain_observations(codes, (area,)), as_of_end(period))


# ------------------------------------------------------------------ commentary


@dataclass(frozen=True)
class Revision:
    version: int
    body: str
    author: str
    at: datetime | None


@dataclass(frozen=True)
class CommentarySection:
    """The commentary on the figure in view: the current text (None when there is none yet) and earlier versions."""

    target: FigureTarget | None  # None: no figure for this area and period, so nothing to comment on
    period_label: str = ""
    area_name: str = ""
    current: Revision | None = None
    earlier: list[Revision] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The text to put in the box: the current commentary, so an edit starts from it."""
        return self.current.body if self.current else ""


def _when(ts) -> datetime | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).to_pydatetime()


def commentary_section(view: ViewState, code: str) -> CommentarySection | None:
    """The indicator page's commentary section; None when `code` is not an indicator."""
    fig = _figure(view, code)
    if fig is None:
        return None
    a = fig.assessment
    if a.figure is None:
        return CommentarySection(None)
    period = a.figure.period
    rows = review_store.commentary_table()
    rows = rows[(rows["indicator"] == code) & (rows["area"] == view.area) & (rows["period"] == period)]
    revisions = [
        Revision(int(r.version), r.body, r.author, _when(r.at))
        for r in review_store.commentary_revisions(code, view.area, period).itertuples()
    ]
    current = None
    if not rows.empty:
        r = rows.iloc[0]
        current = Revision(int(r["version"]), r["body"], r["author"], _when(r["updated_at"]))
    return CommentarySection(
        FigureTarget(code, view.area, period, current.version if current else 0),
        a.figure.period_label,
        fig.ref.area_name(view.area),
        current,
        revisions[1:],
    )


def save_commentary(user: User | None, target: FigureTarget | Mapping | None, text: str | None) -> WriteResult:
    """Save a new version of the commentary on a figure, starting from the version the page showed. A save made
    from an older version (someone saved in between, or wrote the first one at the same moment) is not applied:
    the result carries what is stored now."""
    if refused := role_refusal(user, COMMENT_ROLE, "write commentary"):
        return refused
    t = FigureTarget.from_data(target)
    if t is None or not t.period:
        return WriteResult(False, "There is no figure here to comment on.")
    try:
        body = clean_text(text, "commentary", MAX_COMMENTARY)
        with db.session_scope() as s:
            version = review_store.save_commentary(
                t.indicator, t.area, t.period, body, actor_name(user), t.version or None, session=s
            )
            audit.record(actor_name(user), "commentary.save", t.name, {"version": version}, session=s)
    except (ChallengeRuleError, review_store.NotFound) as e:
        return WriteResult(False, f"Not saved: {e}.")
    except review_store.VersionConflict as e:
        cur = e.current
        conflict = Conflict(
            int(cur["version"]), cur.get("author") or "", cur.get("updated_at"), body=cur.get("body") or ""
        )
        when = f"{conflict.at:%H:%M on %d %b}" if conflict.at else "just now"
        return WriteResult(
            False,
            f"Not saved: {conflict.by} saved a newer version at {when}. Their text is below; "
            "yours is still in the box. Save again to replace theirs.",
            version=conflict.version,
            conflict=conflict,
        )
    return WriteResult(True, f"Saved (version {version}).", version=version)


# ------------------------------------------------------------------ challenges on the indicator page


@dataclass(frozen=True)
class ChallengeItem:
    """One challenge as a list shows it."""

    id: int
    question: str
    status: str
    owner: str
    due: date | None
    overdue: bool
    raised_by: str
    raised_at: datetime | None
    response: str


def challenge_items(rows: pd.DataFrame, today: date) -> list[ChallengeItem]:
    """Rows of review_store.challenges_table() as plain items, each marked overdue or not."""
    items = []
    for r in rows.itertuples():
        due = None if pd.isna(r.due_date) else pd.Timestamp(r.due_date).date()
        items.append(
            ChallengeItem(
                int(r.id),
                r.question,
                r.status,
                r.owner,
                due,
                is_overdue(r.status, due, today),
                r.raised_by,
                _when(r.raised_at),
                r.response or "",
            )
        )
    return items


@dataclass(frozen=True)
class IndicatorChallenges:
    """The indicator page's challenge section: the challenges about this indicator in the board's areas, the
    question drafted from the figure in view (if any), and whether the user may raise one."""

    challenges: list[ChallengeItem]
    target: FigureTarget  # where a challenge raised here is recorded (period None: no figure for it)
    draft: Draft | None
    can_raise: bool


def indicator_challenges(
    view: ViewState, code: str, user: User | None, today: date | None = None
) -> IndicatorChallenges | None:
    """The indicator page's challenges; None when `code` is not an indicator."""
    fig = _figure(view, code)
    if fig is None:
        return None
    ref, a = fig.ref, fig.assessment
    rows = review_store.challenges_table()
    rows = rows[(rows["indicator"] == code) & rows["area"].isin(ref.board_areas(view.board))]
    shares = (code,) if ref.indicators[code]["unit"] == "percent" else ()
    drafts = drafts_for_indicator(
        a,
        breakdown_rows(shares, view.area, view.period),
        ref.area_name(view.area),
        context.small_number_threshold(),
        review_store.dismissed_keys(),
    )
    return IndicatorChallenges(
        challenge_items(rows, today or date.today()),
        FigureTarget(code, view.area, a.figure.period if a.figure else None),
        drafts[0] if drafts else None,
        has_role(user, RAISE_ROLE),
    )


# ------------------------------------------------------------------ the children behind a figure


@dataclass(frozen=True)
class ChildRows:
    """The pseudonymised children behind the figure in view, or why there are none to show."""

    rows: pd.DataFrame | None
    message: str = ""


def child_rows(view: ViewState, code: str, user: User | None) -> ChildRows | None:
    """The children behind the figure in view, for contributors and analysts only; None when `code` is not an
    indicator."""
    from dashboard.returns.access import ChildLevelRefused, drill_down

    fig = _figure(view, code)
    if fig is None:
        return None
    if fig.assessment.figure is None:
        return ChildRows(None, "There is no figure for this area and period.")
    try:
        rows = drill_down(user.roles if user else None, code, view.area, fig.assessment.figure.period)
    except ChildLevelRefused as e:
        return ChildRows(None, f"Not shown: {e}.")
    if rows.empty:
        return ChildRows(
            None, "This figure was not computed from a child-level return, so there are no rows behind it."
        )
    return ChildRows(rows)
