"""The review use cases on real SQLite and PostgreSQL: each write checks the role on the server, saves, and leaves
its entry in the audit log; each refusal leaves neither. Two people at once get one result and a clear message."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from dashboard.auth.roles import make_user
from dashboard.reference.view import view_from_query
from dashboard.services import challenges as cases
from dashboard.services import review
from data_access import audit, db, review_store
from data_access.review_models import Challenge, Commentary, CommentaryRevision, DismissedDraft

ANN = make_user("ann", ["contributor"])
BOB = make_user("bob", ["contributor"])
CHAIR = make_user("chad", ["chair"])
VIEWER = make_user("vera", ["viewer"])
FIGURE = {"indicator": "police_attendance_icpc_pct", "area": "havering", "period": "2014-15"}
DRAFT = "police_attendance_icpc_pct|havering|2014-15|red"


def _count(model, *where) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _audit(action: str) -> list[audit.AuditRow]:
    return audit.recent(100, action=action)


# ------------------------------------------------------------------ each write, audited with its change


def test_saving_commentary_keeps_it_and_its_audit_entry_and_a_viewer_writes_neither(loaded_db):
    refused = review.save_commentary(VIEWER, FIGURE, "I should not be able to write this.")
    assert not refused.ok and refused.refused and "needs the contributor role" in refused.message
    assert _count(Commentary) == 0 and _audit("commentary.save") == []

    pasted = review.save_commentary(ANN, FIGURE, "  CAIT vacancies filled in March.\x00 ")
    assert not pasted.ok and "contains a control character (U+0000)" in pasted.message  # refused, not dropped
    assert _count(Commentary) == 0 and _audit("commentary.save") == []
    saved = review.save_commentary(ANN, FIGURE, "  CAIT vacancies filled in March. ")
    assert saved.ok and saved.version == 1 and saved.message == "Saved (version 1)."
    [entry] = _audit("commentary.save")
    assert (entry.actor, entry.target) == ("ann", "police_attendance_icpc_pct/havering/2014-15")
    section = review.commentary_section(
        view_from_query({"board": "havering", "area": "havering", "period": "2014-15"}), FIGURE["indicator"]
    )
    assert section.current.body == "CAIT vacancies filled in March." and section.current.author == "ann"
    assert section.target.version == 1 and section.body == "CAIT vacancies filled in March."

    empty = review.save_commentary(ANN, {**FIGURE, "version": 1}, "   ")
    assert not empty.ok and "the commentary is empty" in empty.message
    assert len(_audit("commentary.save")) == 1


def test_a_stale_commentary_save_says_who_saved_first_and_shows_their_text(loaded_db):
    assert review.save_commentary(ANN, FIGURE, "Ann's first words.").ok
    assert review.save_commentary(ANN, {**FIGURE, "version": 1}, "Ann's second words.").version == 2
    late = review.save_commentary(BOB, {**FIGURE, "version": 1}, "Bob's words.")
    assert not late.ok and late.conflict is not None
    assert late.message.startswith("Not saved: ann saved a newer version at ")
    assert late.conflict.body == "Ann's second words." and late.version == 2
    assert len(_audit("commentary.save")) == 2
    again = review.save_commentary(BOB, {**FIGURE, "version": late.version}, "Bob's words.")
    assert again.ok and again.version == 3


def test_raising_a_challenge_is_audited_and_bad_input_or_a_viewer_is_refused(loaded_db):
    today = date(2026, 11, 28)
    assert "needs the contributor role" in cases.raise_challenge(VIEWER, FIGURE, "Why?", "Police").message
    past = cases.raise_challenge(ANN, FIGURE, "Why?", "Police", "2026-11-01", today=today)
    assert not past.ok and "has passed" in past.message
    assert not cases.raise_challenge(ANN, FIGURE, "", "Police").ok
    assert _count(Challenge) == 0 and _audit("challenge.raise") == []

    r = cases.raise_challenge(
        ANN, FIGURE, "Why only 44%?", "Metropolitan Police (CAIT)", "2026-12-08", "Board, 8 Dec", today=today
    )
    assert r.ok and r.message == f"Challenge #{r.challenge_id} raised; it is in the challenge log."
    [entry] = _audit("challenge.raise")
    assert entry.actor == "ann" and entry.target == f"challenge/{r.challenge_id}"
    stored = review_store.current_challenge(r.challenge_id)
    assert (stored["due_date"], stored["meeting"], stored["updated_by"]) == (date(2026, 12, 8), "Board, 8 Dec", "ann")


def test_the_chairs_actions_need_the_chair_and_a_stale_one_is_not_applied(loaded_db):
    cid = cases.raise_challenge(ANN, FIGURE, "Why only 44%?", "Police").challenge_id
    no = cases.act_on_challenge(ANN, cid, 1, "answer", "A new rota.")
    assert no.refused and "needs the chair role" in no.message
    assert review_store.current_challenge(cid)["status"] == "open" and _audit("challenge.answer") == []

    edited = cases.act_on_challenge(ANN, cid, 1, "edit", "Why only 44%, and by when 100%?")
    assert edited.ok and edited.version == 2
    stale = cases.act_on_challenge(CHAIR, cid, 1, "answer", "A new rota.")
    assert not stale.ok and stale.conflict.by == "ann" and stale.conflict.question.endswith("by when 100%?")
    assert "ann changed this challenge" in stale.message and review_store.current_challenge(cid)["status"] == "open"

    assert not cases.act_on_challenge(CHAIR, cid, 2, "close").ok  # an open challenge is answered first
    answered = cases.act_on_challenge(CHAIR, cid, 2, "answer", "A second CAIT officer from April.")
    assert answered.ok and answered.message == f"Challenge #{cid} answered (version 3)."
    closed = cases.act_on_challenge(CHAIR, cid, 3, "close", "ignored")
    assert closed.ok and review_store.current_challenge(cid)["response"] == "A second CAIT officer from April."
    assert [e.action for e in audit.recent(10) if e.target == f"challenge/{cid}"] == [
        "challenge.close",
        "challenge.answer",
        "challenge.edit",
        "challenge.raise",
    ]
    assert cases.act_on_challenge(CHAIR, cid, 4, "edit", "Too late").message.startswith(
        "Not saved: a challenge that is closed cannot be edited"
    )


def test_the_log_and_the_selected_challenge_say_what_each_role_may_do(loaded_db):
    view = view_from_query({"board": "havering"})
    today = date.today()
    cid = cases.raise_challenge(
        ANN, FIGURE, "Why only 44%?", "Police", today + timedelta(days=3), "June board", today=today
    ).challenge_id
    log = cases.challenge_log(view, "active", today=today + timedelta(days=10))
    assert [r["id"] for r in log.rows] == [cid] and log.rows[0]["overdue"] == "Overdue"
    assert log.summary == "1 challenge shown; 1 overdue." and log.owners == ["Police"]
    assert log.meetings == ["June board"] and log.domains == [("partnership", log.domains[0][1])]
    assert cases.challenge_log(view, "closed").rows == []

    as_chair = cases.selected_challenge(CHAIR, cid)
    assert [a for a, _role in as_chair.actions] == ["answer", "withdraw"] and as_chair.can_decide
    as_contributor = cases.selected_challenge(ANN, cid)
    assert as_contributor.actions == [] and as_contributor.can_edit and not as_contributor.can_decide
    assert cases.selected_challenge(VIEWER, cid).can_edit is False
    assert cases.selected_challenge(CHAIR, 999_999) is None


# ------------------------------------------------------------------ drafts


def test_a_raised_draft_is_not_raised_twice_nor_proposed_again(loaded_db):
    view = view_from_query({"board": "havering", "area": "havering", "period": "2014-15"})
    proposed = [d.key for d, _title in cases.drafts_list(view, CHAIR).drafts]
    assert DRAFT in proposed
    first = cases.raise_from_draft(ANN, DRAFT, "Why only 44%?", "Metropolitan Police (CAIT)")
    assert first.ok and first.message == f"Challenge #{first.challenge_id} raised from the draft."
    second = cases.raise_from_draft(BOB, DRAFT, "Why only 44%?", "Metropolitan Police (CAIT)")
    assert not second.ok
    assert second.message == (
        f"Not raised: ann raised this draft as challenge #{first.challenge_id} at "
        f"{second.message.split(' at ')[1].split(';')[0]}; it is in the challenge log, so it "
        "was not raised twice."
    )
    assert _count(Challenge) == 1 and len(_audit("challenge.raise")) == 1
    assert DRAFT not in [d.key for d, _t in cases.drafts_list(view, CHAIR).drafts]
    assert review.indicator_challenges(view, FIGURE["indicator"], ANN).draft is None


def test_dismissing_a_draft_is_the_chairs_and_is_audited(loaded_db):
    view = view_from_query({"board": "havering", "area": "havering", "period": "2014-15"})
    assert review.indicator_challenges(view, FIGURE["indicator"], ANN).draft.key == DRAFT
    no = cases.dismiss_draft(ANN, DRAFT)
    assert no.refused and "needs the chair role" in no.message and _count(DismissedDraft) == 0
    assert cases.dismiss_draft(CHAIR, DRAFT).ok
    assert [(e.actor, e.target) for e in _audit("draft.dismiss")] == [("chad", DRAFT)]
    assert cases.dismiss_draft(CHAIR, DRAFT).ok and len(_audit("draft.dismiss")) == 1  # once is enough
    assert review.indicator_challenges(view, FIGURE["indicator"], ANN).draft is None
    late = cases.raise_from_draft(ANN, DRAFT, "Why?", "Police")
    assert not late.ok and late.message.startswith("Not raised: chad dismissed this draft at ")


@pytest.mark.parametrize(
    "key,says",
    [
        ("x" * 256, "the limit is 255"),
        ("a" * 300 + "|havering|2014-15|red", "the limit is 255"),
        ("contacts|havering", "is not a drafted question's name"),
        ("", "the draft is not named"),
    ],
)
def test_a_draft_key_that_cannot_be_one_is_refused_with_a_message(loaded_db, key, says):
    raised = cases.raise_from_draft(ANN, key, "Why?", "Police")
    dismissed = cases.dismiss_draft(CHAIR, key)
    assert not raised.ok and says in raised.message and raised.message.startswith("Not raised: ")
    assert not dismissed.ok and says in dismissed.message
    assert _count(Challenge) == 0 and _count(DismissedDraft) == 0
    assert _audit("challenge.raise") == [] and _audit("draft.dismiss") == []


# ------------------------------------------------------------------ two people at once


class _Paused:
    """Holds the thread named "first" inside its transaction, after its change and its audit entry are written and
    before it commits, until released: the moment a second person's save arrives in a real race."""

    def __init__(self, monkeypatch):
        self.inside, self.release = threading.Event(), threading.Event()
        real = audit.record

        def record(*args, session=None, **kwargs):
            real(*args, session=session, **kwargs)
            if threading.current_thread().name == "first":
                session.flush()
                self.inside.set()
                assert self.release.wait(60)

        monkeypatch.setattr(audit, "record", record)

    def race(self, first, second):
        """Run `first` until it is about to commit, start `second`, see it wait for the database, then let both
        finish. Returns both results (an exception in either is raised here)."""
        out: dict = {}

        def run(name, fn):
            try:
                out[name] = fn()
            except BaseException as e:  # noqa: BLE001 - re-raised in the test's thread
                out[name] = e

        t1 = threading.Thread(target=run, args=("first", first), name="first")
        t1.start()
        assert self.inside.wait(30), f"the first save never reached its audit entry: {out}"
        t2 = threading.Thread(target=run, args=("second", second), name="second")
        t2.start()
        _wait_until_second_waits(t2)
        self.release.set()
        t1.join(60)
        t2.join(60)
        for r in out.values():
            if isinstance(r, BaseException):
                raise r
        return out["first"], out["second"]


def _wait_until_second_waits(t: threading.Thread) -> None:
    """Proof that the race happened: the second writer is blocked by the first's uncommitted row."""
    engine = db.get_engine()
    deadline = time.monotonic() + 15
    if engine.dialect.name == "postgresql":
        while time.monotonic() < deadline:
            with engine.connect() as c:
                if c.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                ):
                    return
            time.sleep(0.05)
        pytest.fail("the second save never waited for the first")
    time.sleep(1.0)  # SQLite: the second waits for the write lock (busy timeout), so it cannot have finished
    assert t.is_alive(), "the second save finished while the first held the write lock"


def test_two_people_raising_one_draft_at_once_make_one_challenge_and_the_second_is_told(loaded_db, monkeypatch):
    paused = _Paused(monkeypatch)
    first, second = paused.race(
        lambda: cases.raise_from_draft(ANN, DRAFT, "Ann's wording", "Police"),
        lambda: cases.raise_from_draft(BOB, DRAFT, "Bob's wording", "Police"),
    )
    assert first.ok and not second.ok
    assert f"ann raised this draft as challenge #{first.challenge_id}" in second.message
    assert _count(Challenge) == 1 and review_store.current_challenge(first.challenge_id)["question"] == "Ann's wording"
    assert [e.actor for e in _audit("challenge.raise")] == ["ann"]


def test_two_people_writing_the_first_commentary_at_once_the_second_gets_the_conflict(loaded_db, monkeypatch):
    paused = _Paused(monkeypatch)
    first, second = paused.race(
        lambda: review.save_commentary(ANN, FIGURE, "Ann's words."),
        lambda: review.save_commentary(BOB, FIGURE, "Bob's words."),
    )
    assert first.ok and first.version == 1
    assert not second.ok and second.conflict is not None and second.conflict.body == "Ann's words."
    assert second.message.startswith("Not saved: ann saved a newer version at ") and second.version == 1
    assert _count(Commentary) == 1 and _count(CommentaryRevision) == 1
    assert [e.actor for e in _audit("commentary.save")] == ["ann"]
    assert review.save_commentary(BOB, {**FIGURE, "version": second.version}, "Bob's words.").version == 2


def test_two_people_editing_commentary_at_once_the_second_gets_the_conflict(loaded_db, monkeypatch):
    assert review.save_commentary(ANN, FIGURE, "First words.").ok
    paused = _Paused(monkeypatch)
    first, second = paused.race(
        lambda: review.save_commentary(ANN, {**FIGURE, "version": 1}, "Ann's edit."),
        lambda: review.save_commentary(BOB, {**FIGURE, "version": 1}, "Bob's edit."),
    )
    assert first.ok and first.version == 2
    assert not second.ok and second.conflict.body == "Ann's edit." and second.version == 2
    assert _count(CommentaryRevision) == 2 and len(_audit("commentary.save")) == 2


def test_two_chairs_acting_on_one_challenge_at_once_the_second_is_told(loaded_db, monkeypatch):
    cid = cases.raise_challenge(ANN, FIGURE, "Why only 44%?", "Police").challenge_id
    paused = _Paused(monkeypatch)
    first, second = paused.race(
        lambda: cases.act_on_challenge(CHAIR, cid, 1, "answer", "A new rota."),
        lambda: cases.act_on_challenge(make_user("cleo", ["chair"]), cid, 1, "withdraw"),
    )
    assert first.ok and not second.ok and second.conflict.status == "answered" and second.conflict.by == "chad"
    assert review_store.current_challenge(cid)["status"] == "answered"
    assert [e.action for e in audit.recent(10) if e.target == f"challenge/{cid}"] == [
        "challenge.answer",
        "challenge.raise",
    ]
