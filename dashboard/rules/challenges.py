"""The chair's challenge log: statuses and who may move them, what counts as overdue, the draft key, and the rules
that draft questions from the figures. Pure functions, unit-tested; the use cases (dashboard.services.review and
dashboard.services.challenges) apply them and the store (data_access.review_store) only records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard.reports.figures import breakdown_label, one_kind
from dashboard.rules.formatting import format_change, format_value
from dashboard.rules.scorecard import Assessment
from dashboard.rules.text import control_problem
from data_access.periods import parse_period

STATUSES = ("open", "answered", "closed", "withdrawn")
STATUS_WORDS = {"open": "Open", "answered": "Answered", "closed": "Closed", "withdrawn": "Withdrawn"}
MAX_QUESTION = 2000
MAX_RESPONSE = 5000
MAX_COMMENTARY = 5000

# action -> (statuses it may start from, status it leads to, role needed)
ACTIONS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "edit": (("open",), None, "contributor"),
    "answer": (("open", "answered"), "answered", "chair"),  # the chair records the owner's response
    "close": (("answered",), "closed", "chair"),
    "withdraw": (("open", "answered"), "withdrawn", "chair"),
    "reopen": (("answered", "closed"), "open", "chair"),
}
ACTION_EVENTS = {
    "edit": "edited",
    "answer": "answered",
    "close": "closed",
    "withdraw": "withdrawn",
    "reopen": "reopened",
}


class ChallengeRuleError(ValueError):
    """A change the challenge's status does not allow, or text that cannot be saved; the message says why."""


def next_status(status: str, action: str) -> str:
    """The status after `action`, or ChallengeRuleError if the action is not allowed from `status`."""
    if action not in ACTIONS:
        raise ChallengeRuleError(f"unknown action {action!r}")
    allowed_from, to, _role = ACTIONS[action]
    if status not in allowed_from:
        raise ChallengeRuleError(
            f"a challenge that is {status} cannot be {ACTION_EVENTS[action]}; "
            f"only one that is {' or '.join(allowed_from)}"
        )
    return to or status


def role_for(action: str) -> str:
    """The role an action on a challenge needs (an unknown action needs the highest, so it is refused)."""
    return ACTIONS[action][2] if action in ACTIONS else "chair"


# Who may do what outside the challenge actions above. The server checks these; the pages only hide buttons.
COMMENT_ROLE = "contributor"  # write commentary on a figure
RAISE_ROLE = "contributor"  # raise a challenge, by hand or from a draft
DISMISS_ROLE = "chair"  # dismiss a drafted question so it is not proposed again
MAX_OWNER = 255
MAX_MEETING = 100


@dataclass(frozen=True)
class ActionPlan:
    """What an action does to a challenge: its next status, and the question or response to store (None: keep)."""

    status: str
    question: str | None = None
    response: str | None = None


def plan_action(status: str, action: str, text: str | None) -> ActionPlan:
    """Check an action against the challenge's status and clean its text: `edit` replaces the question (required);
    `answer` records the owner's response (required); close, withdraw and reopen keep both, whatever was typed."""
    after = next_status(status, action)
    if action == "edit":
        return ActionPlan(after, question=clean_text(text, "question", MAX_QUESTION))
    if action == "answer":
        return ActionPlan(after, response=clean_text(text, "response", MAX_RESPONSE))
    return ActionPlan(after)


def clean_text(text: str | None, field: str, limit: int, *, required: bool = True) -> str:
    """User text as it will be stored: trimmed, within its limit, lines kept (a Windows line end becomes a newline).
    Any other control character is refused, not silently dropped: the text is printed by the command line (`audit`)
    where one would act on the terminal, and the person should know their text was not kept as typed. It is always
    shown as text, never as HTML."""
    t = (text or "").replace("\r\n", "\n")
    if problem := control_problem(t, field, multiline=True):
        raise ChallengeRuleError(problem)
    t = t.strip()
    if required and not t:
        raise ChallengeRuleError(f"the {field} is empty: write it before saving")
    if len(t) > limit:
        raise ChallengeRuleError(f"the {field} is {len(t):,} characters; the limit is {limit:,}")
    return t


def parse_due_date(text: str | None, today: date) -> date | None:
    """The due date a person picked (YYYY-MM-DD), or None when none was; a past or unreadable date is refused."""
    if not text:
        return None
    try:
        d = date.fromisoformat(str(text)[:10])
    except ValueError:
        raise ChallengeRuleError(f"the due date '{text}' is not a date; use the date picker (YYYY-MM-DD)") from None
    if d < today:
        raise ChallengeRuleError(f"the due date {d:%d %b %Y} has passed; choose a later date")
    return d


def is_overdue(status: str, due: date | None, today: date) -> bool:
    """Past its due date with no answer yet."""
    return status == "open" and due is not None and due < today


ACTIVE_STATUSES = ("open", "answered")  # the log's default view: challenges still waiting on someone


def filter_challenges(
    df: pd.DataFrame,
    status: str | None = None,
    owner: str | None = None,
    domain: str | None = None,
    meeting: str | None = None,
) -> pd.DataFrame:
    """The rows of the challenge log (columns status, owner, domain, meeting) that the log page's filters keep.
    Status "active" keeps open and answered challenges, "all" (or nothing) keeps every status, any other value
    that status only. An empty owner, domain or meeting keeps them all."""
    if status == "active":
        df = df[df["status"].isin(ACTIVE_STATUSES)]
    elif status and status != "all":
        df = df[df["status"] == status]
    if owner:
        df = df[df["owner"] == owner]
    if domain:
        df = df[df["domain"] == domain]
    if meeting:
        df = df[df["meeting"] == meeting]
    return df


# ------------------------------------------------------------------ who owes the answer

OWNERS = {
    "police_attendance_icpc_pct": "Metropolitan Police (CAIT)",
    "police_attendance_rcpc_pct": "Metropolitan Police (CAIT)",
    "strategy_discussions_within_24h_pct": "Metropolitan Police and children's social care",
    "strategy_discussions": "Metropolitan Police and children's social care",
    "agency_level3_training_compliance_pct": "Health partners (hospital and community trusts)",
    "safeguarding_supervision_compliance_pct": "Clinical commissioning group",
    "missing_rhi_within_72h_pct": "Children's services (missing children)",
    "cla_initial_health_assessment_28_days_pct": "Health partners (looked-after children's health)",
    "cla_review_health_assessment_in_time_pct": "Health partners (looked-after children's health)",
}
DOMAIN_OWNERS = {
    "front_door": "Children's social care (MASH)",
    "child_protection": "Children's social care",
    "looked_after": "Children's social care (looked-after children)",
    "care_leavers": "Leaving care service",
    "training": "Board learning and development subgroup",
    "partnership": "Partner agencies",
}


def suggested_owner(indicator: dict) -> str:
    """The partner that usually owes the answer about an indicator."""
    return OWNERS.get(indicator["code"]) or DOMAIN_OWNERS.get(indicator["domain"], "Partner agencies")


# ------------------------------------------------------------------ drafting questions

LARGE_MOVE_POINTS = 10.0  # percentage points
LARGE_MOVE_RELATIVE = 0.25  # for counts and rates: a quarter up or down
DRIVER_MOVE_POINTS = 5.0  # a share of a breakdown moving this much is worth asking about


MAX_DRAFT_KEY = 255  # the store's column; a longer key cannot be one this page drew


@dataclass(frozen=True)
class DraftKey:
    """What a draft key names: `indicator|area|period|kind`, e.g. `contacts|havering|2014-15|red` or
    `cp_plans_by_category_pct|havering|2014-15|category:neglect`."""

    indicator: str
    area: str
    period: str
    kind: str


def parse_draft_key(key: object) -> DraftKey:
    """Read a draft key sent back by the browser; anything that is not one (too long, too few parts, an empty part)
    is refused with a ChallengeRuleError that says so."""
    if not isinstance(key, str) or not key:
        raise ChallengeRuleError("the draft is not named: reload the page and try again")
    if len(key) > MAX_DRAFT_KEY:
        raise ChallengeRuleError(
            f"the draft's name is {len(key):,} characters; the limit is {MAX_DRAFT_KEY:,}, so it "
            "cannot be one this page proposed"
        )
    if problem := control_problem(key, "draft's name"):
        raise ChallengeRuleError(problem)
    parts = key.split("|", 3)
    if len(parts) != 4 or not all(p.strip() for p in parts):
        raise ChallengeRuleError(f"'{key[:60]}' is not a drafted question's name (indicator|area|period|kind)")
    return DraftKey(*parts)


@dataclass(frozen=True)
class Draft:
    key: str  # indicator|area|period|kind — stable, so a dismissed draft is not proposed again
    indicator: str
    area: str
    period: str
    question: str
    owner: str
    facts: tuple[str, ...]
    reason: str  # red | amber | large move | breakdown


def _is_large_move(unit: str, delta: float | None, previous: float | None) -> bool:
    if delta is None:
        return False
    if unit == "percent":
        return abs(delta) >= LARGE_MOVE_POINTS
    if previous:
        return abs(delta) / abs(previous) >= LARGE_MOVE_RELATIVE
    return False


def draft_for_assessment(a: Assessment, area_name: str, small_number_threshold: int) -> Draft | None:
    """A question for an indicator that is red or amber, or that moved a lot since the previous period. The
    assessment's direction of travel is within one kind of figure, so a question never rests on the change from
    a board document's figure to an official one (or back)."""
    if a.figure is None or a.figure.value is None:  # nothing to ask of a symbol in place of a figure
        return None
    ind, unit, f = a.indicator, a.indicator["unit"], a.figure
    d = a.direction
    previous = None if d.delta is None else f.value - d.delta
    large = _is_large_move(unit, d.delta, previous)
    if not (a.status.off_target or large):
        return None
    title = ind["title"]
    value = format_value(f.value, unit)
    facts = [f"{title}, {area_name}: {value} in {f.period_label} ({a.status.label})"]
    if d.delta is not None:
        facts.append(f"{d.text} (was {format_value(previous, unit)})")
    if f.source_kind != "document":
        facts.append(f"{f.kind_text}: the figure and its change are both of this kind")
    if a.rule is not None and a.rule.kind == "target":
        facts.append(
            f"target {format_value(a.rule.target, unit)}; gap {format_change(f.value - a.rule.target, unit)}"
            f" ({a.rule.provenance})"
        )
    for c in a.comparisons:
        facts.append(f"{c.name} {format_value(c.value, unit)} in {c.period_label}; gap {c.gap_text}")
    small = f.denominator is not None and unit == "percent" and f.denominator < small_number_threshold
    if small:
        facts.append(
            f"small numbers: {format_value(f.denominator)} cases, so one case moves it by "
            f"{100 / f.denominator:.0f} points"
        )
    for flag in a.flags:
        facts.append(f"data-quality flag: {flag}")

    if d.delta is not None and d.kind != "no_change":
        verb = "rose" if d.delta > 0 else "fell"
        lead = (
            f"{title} {verb} from {format_value(previous, unit)} in {d.previous_label} to {value} in {f.period_label}"
        )
    else:
        lead = f"{title} was {value} in {f.period_label}"
    if a.rule is not None and a.rule.kind == "target":
        lead += f", against a target of {format_value(a.rule.target, unit)}"
    elif a.comparisons:
        c = a.comparisons[0]
        lead += f" ({c.name}: {format_value(c.value, unit)})"
    owner = suggested_owner(ind)
    if a.status.off_target:
        ask = f"what is driving this, and what will {owner} do to bring it back on target, and by when?"
    elif ind["polarity"] == "neutral":
        ask = "what explains the change, and what does it mean for demand on services?"
    elif d.kind == "improving":
        ask = "what changed, and what evidence is there that the improvement will last?"
    else:
        ask = f"what lies behind the decline, and what is {owner} doing about it?"
    parts = [f"{lead}: {ask}"]
    if small:
        parts.append(f"With only {format_value(f.denominator)} cases, is this a trend or one or two children?")
    if a.flags:
        parts.append("The figure has a data-quality flag: can the board rely on it?")
    kind = a.status.rag if a.status.off_target else "large move"
    return Draft(
        f"{ind['code']}|{a.area}|{f.period}|{kind}",
        ind["code"],
        a.area,
        f.period,
        " ".join(parts),
        owner,
        tuple(facts),
        kind,
    )


SHARE_NOUNS = {
    "cp_plans_started_category_pct": "new plans",
    "cp_plans_by_category_pct": "children on plans",
    "contacts_by_source_pct": "contacts",
    "cla_placement_type_pct": "children looked after",
}
DRIVER_ASKS = {
    "initial_category": "which referral sources drove this, and what is the {value} strategy's evidence of impact?",
    "category": "what lies behind the shift, and what is the {value} strategy's evidence of impact?",
    "source": "what explains the change in {value} contacts, and is the front door getting the right ones?",
    "placement_type": "does the change in {value} placements reflect children's needs or the places available?",
}


def drafts_from_breakdowns(indicator: dict, rows: pd.DataFrame, area: str, area_name: str) -> list[Draft]:
    """For a share breakdown (e.g. new plans by category), the part whose share moved most between the latest
    period and the previous comparable one — if it moved enough to ask about."""
    if indicator["unit"] != "percent" or rows.empty:
        return []
    df = rows[(rows["indicator"] == indicator["code"]) & (rows["area"] == area) & (rows["breakdown_dimension"] != "")]
    out = []
    for dim, g in df.groupby("breakdown_dimension"):
        g = one_kind(g)  # a shift in the mix is measured within one kind of figure, never across two
        latest = g.sort_values("sort_key")["period"].iloc[-1]
        prev = parse_period(latest).previous_comparable()
        if prev is None or prev.code not in set(g["period"]):
            continue
        now = g[g["period"] == latest].set_index("breakdown_value")["value"]
        before = g[g["period"] == prev.code].set_index("breakdown_value")["value"]
        moves = {k: now[k] - before[k] for k in now.index if k in before.index}
        if not moves:
            continue
        # The biggest rise if one is large enough (what drives a rise is what boards ask), else the biggest fall.
        rises = {k: v for k, v in moves.items() if v >= DRIVER_MOVE_POINTS}
        falls = {k: v for k, v in moves.items() if v <= -DRIVER_MOVE_POINTS}
        if not rises and not falls:
            continue
        value, move = max(rises.items(), key=lambda kv: kv[1]) if rises else min(falls.items(), key=lambda kv: kv[1])
        if math.isnan(move):
            continue
        label = breakdown_label(value)
        noun = SHARE_NOUNS.get(indicator["code"], indicator["title"].lower())
        period_label = g[g["period"] == latest]["period_label"].iloc[0]
        verb = "rose" if move > 0 else "fell"
        lead = (
            f"{label} {verb} from {format_value(before[value], 'percent')} to "
            f"{format_value(now[value], 'percent')} of {noun} in {period_label}"
        )
        ask = (
            DRIVER_ASKS.get(dim, "what lies behind the change?")
            if move > 0
            else "what lies behind the fall, and is it a real change in need or in recording?"
        ).format(value=label.lower())
        facts = (
            f"{indicator['title']}, {area_name}: {label} {format_value(before[value], 'percent')} in "
            f"{prev.label} and {format_value(now[value], 'percent')} in {period_label} "
            f"({format_change(move, 'percent')})",
            "other parts: "
            + ", ".join(f"{breakdown_label(k)} {format_change(v, 'percent')}" for k, v in moves.items() if k != value),
        )
        out.append(
            Draft(
                f"{indicator['code']}|{area}|{latest}|{dim}:{value}",
                indicator["code"],
                area,
                latest,
                f"{lead}: {ask}",
                suggested_owner(indicator),
                facts,
                "breakdown",
            )
        )
    return out


def drafts_for_indicator(
    assessment: Assessment,
    breakdown_rows: pd.DataFrame | None,
    area_name: str,
    small_number_threshold: int,
    dismissed: frozenset[str] = frozenset(),
) -> list[Draft]:
    """The drafts an indicator page offers for its figure: the headline's own (red, amber or a large move) first,
    then a share breakdown whose mix shifted. Dismissed (or already raised) drafts are left out."""
    ind = assessment.indicator
    drafts = [d] if (d := draft_for_assessment(assessment, area_name, small_number_threshold)) else []
    if ind["unit"] == "percent" and breakdown_rows is not None:
        drafts += drafts_from_breakdowns(ind, breakdown_rows, assessment.area, area_name)
    return [x for x in drafts if x.key not in dismissed]


def draft_questions(
    assessments: list[Assessment],
    breakdown_rows: pd.DataFrame,
    indicators: dict[str, dict],
    area: str,
    area_name: str,
    small_number_threshold: int,
    dismissed: frozenset[str] = frozenset(),
) -> list[Draft]:
    """Every draft for one area: off-target and fast-moving indicators, then breakdowns whose mix shifted.
    Dismissed drafts are left out."""
    drafts = [d for a in assessments if (d := draft_for_assessment(a, area_name, small_number_threshold))]
    for code in breakdown_rows["indicator"].unique() if not breakdown_rows.empty else []:
        drafts += drafts_from_breakdowns(indicators[code], breakdown_rows, area, area_name)
    order = {"red": 0, "amber": 1, "breakdown": 2, "large move": 3}
    drafts.sort(key=lambda d: (order[d.reason], d.indicator))
    return [d for d in drafts if d.key not in dismissed]
