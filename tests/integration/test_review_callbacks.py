"""The review callbacks over HTTP, as the browser calls them: a save from the indicator page is stored, answered in
words, and in the audit log; the page then shows it. (Who may call them is tested in test_auth.py.)"""

from __future__ import annotations

import json

import pytest

from dashboard import auth
from dashboard.web.app import create_app
from data_access import audit, review_store

FIGURE = {"indicator": "police_attendance_icpc_pct", "area": "havering", "period": "2014-15"}
PATH = "/indicator/police_attendance_icpc_pct"
VIEW = {"board": "havering", "area": "havering", "period": "2014-15"}
DRAFT = "police_attendance_icpc_pct|havering|2014-15|red"


@pytest.fixture
def client(loaded_db):
    """The real app, signed in as the single local user (the default: no sign-in, loopback only)."""
    app = create_app(loaded_db)
    c = app.server.test_client()
    assert c.get("/").status_code == 200  # Dash sets its callbacks up on the first request
    c.callback_map = app.callback_map
    return c


def _wire_id(cid) -> str:
    """How Dash names a component id in a request: a pattern-matching (dict) id as sorted, compact JSON."""
    return json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else cid


def _item(cid, prop, value):
    if isinstance(value, _All):  # an ALL pattern: one entry per component drawn
        return [{"id": c, "property": prop, "value": v} for c, v in value.items]
    return {"id": cid, "property": prop, "value": value}


class _All:
    def __init__(self, *items):
        self.items = items


def _call(client, first_output: str, inputs: list[tuple], state: list[tuple] = (), *, via: str = "") -> dict:
    """Post one callback as Dash's renderer does; returns {component id: {property: value}}. The callback is the
    one whose first output is `first_output` and whose first input is `inputs[0]`'s id (or, for a pattern-matching
    input, whose id contains `via`)."""

    def outputs_of(key):
        return [part.rpartition(".") for part in key.strip(".").split("...")]

    def first_input_matches(entry) -> bool:
        given = entry["inputs"][0]["id"]
        return via in given if via else given == inputs[0][0]

    keys = [
        k
        for k, entry in client.callback_map.items()
        if "{}.{}".format(outputs_of(k)[0][0], outputs_of(k)[0][2].split("@")[0]) == first_output
        and first_input_matches(entry)
    ]
    assert len(keys) == 1, keys
    outputs = [{"id": cid, "property": prop} for cid, _, prop in outputs_of(keys[0])]
    first = inputs[0][2].items[0][0] if isinstance(inputs[0][2], _All) else inputs[0][0]
    cookie = client.get_cookie(auth.CSRF_COOKIE)
    body = {
        "output": keys[0],
        "outputs": outputs if keys[0].startswith("..") else outputs[0],
        "inputs": [_item(i, p, v) for i, p, v in inputs],
        "changedPropIds": [f"{_wire_id(first)}.{inputs[0][1]}"],
        "state": [_item(i, p, v) for i, p, v in state],
    }
    r = client.post("/_dash-update-component", json=body, headers={auth.CSRF_HEADER: cookie.value} if cookie else {})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def _text(value) -> str:
    """The words in a Dash component tree (as JSON), in order."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("props", {}).get("children", "")) if "props" in value else ""
    return "" if value is None else str(value)


def test_commentary_saved_from_the_page_is_stored_audited_and_shown(client):
    out = _call(
        client,
        "commentary-status.children",
        [("commentary-save", "n_clicks", 1)],
        [
            ("commentary-text", "value", "CAIT vacancies <b>filled</b> in March."),
            ("commentary-target", "data", {**FIGURE, "version": 0}),
        ],
    )
    assert out["commentary-status"]["children"] == "Saved (version 1)."
    [entry] = audit.recent(5, action="commentary.save")
    assert entry.actor == "local" and entry.target == "police_attendance_icpc_pct/havering/2014-15"

    stale = _call(
        client,
        "commentary-status.children",
        [("commentary-save", "n_clicks", 2)],
        [("commentary-text", "value", "An older draft."), ("commentary-target", "data", {**FIGURE, "version": 0})],
    )
    said = _text(stale["commentary-status"]["children"])
    assert "Not saved: local saved a newer version" in said and "CAIT vacancies <b>filled</b> in March." in said
    assert list(stale.values())[-1]["data"]["version"] == 1  # the page now starts from the stored version

    page = _call(
        client,
        "commentary-view.children",
        [("view-state", "data", VIEW), ("commentary-refresh", "data", 1)],
        [("url", "pathname", PATH)],
    )
    assert "CAIT vacancies <b>filled</b> in March." in _text(page["commentary-view"]["children"])
    assert page["commentary-text"]["value"] == "CAIT vacancies <b>filled</b> in March."


def test_a_challenge_raised_from_the_page_is_stored_audited_and_listed_with_its_draft(client):
    out = _call(
        client,
        "challenge-status.children",
        [("challenge-submit", "n_clicks", 1)],
        [
            ("challenge-question", "value", "Why only 44%?"),
            ("challenge-owner", "value", "Metropolitan Police (CAIT)"),
            ("challenge-due", "value", None),
            ("challenge-meeting", "value", ""),
            ("challenge-target", "data", FIGURE),
        ],
    )
    cid = int(review_store.challenges_table()["id"].iloc[0])
    assert out["challenge-status"]["children"] == f"Challenge #{cid} raised; it is in the challenge log."
    assert [e.target for e in audit.recent(5, action="challenge.raise")] == [f"challenge/{cid}"]

    page = _call(
        client,
        "indicator-challenges.children",
        [("view-state", "data", VIEW), ("challenge-refresh", "data", 1)],
        [("url", "pathname", PATH)],
    )
    assert "Why only 44%?" in _text(page["indicator-challenges"]["children"])
    assert "Drafted question" in _text(page["indicator-draft"]["children"])
    assert page["draft-text"]["data"]["owner"] == "Metropolitan Police (CAIT)"


def _draft(field: str) -> dict:
    return {"type": f"draft-{field}", "key": DRAFT}


def test_the_log_page_raises_a_draft_once_lists_it_and_the_chair_answers_it(client):
    drafts = _call(client, "drafts.children", [("view-state", "data", VIEW), ("challenges-refresh", "data", 0)])
    assert "Police (CAIT) attendance at initial conferences" in _text(drafts["drafts"]["children"])

    raise_it = [("", "n_clicks", _All((_draft("raise"), 1)))]
    typed = [
        ("", "value", _All((_draft("question"), "Why only 44%?"))),
        ("", "value", _All((_draft("owner"), "Metropolitan Police (CAIT)"))),
        ("view-state", "data", VIEW),
    ]
    out = _call(client, "drafts-status.children", raise_it, typed, via='"type":"draft-raise"')
    cid = int(review_store.challenges_table()["id"].iloc[0])
    assert out["drafts-status"]["children"] == f"Challenge #{cid} raised from the draft."
    again = _call(client, "drafts-status.children", raise_it, typed, via='"type":"draft-raise"')
    assert f"raised this draft as challenge #{cid}" in again["drafts-status"]["children"]
    assert len(review_store.challenges_table()) == 1

    log = _call(
        client,
        "challenges-grid.rowData",
        [
            ("view-state", "data", VIEW),
            ("", "value", "active"),
            ("", "value", ""),
            ("", "value", ""),
            ("", "value", ""),
            ("challenges-refresh", "data", cid),
        ],
    )
    assert [r["id"] for r in log["challenges-grid"]["rowData"]] == [cid]
    assert log["challenges-summary"]["children"] == "1 challenge shown; 0 overdue."

    shown = _call(
        client,
        "challenge-detail.children",
        [("challenges-grid", "selectedRows", [{"id": cid}]), ("challenges-refresh", "data", cid)],
        [("challenge-selected", "data", None)],
    )
    assert "Record response" in _text(shown["challenge-detail"]["children"])
    assert shown["challenge-selected"]["data"] == {"id": cid, "version": 1}

    answer = [("", "n_clicks", _All(({"type": "challenge-action", "action": "answer"}, 1)))]
    said = _call(
        client,
        "challenge-action-status.children",
        answer,
        [
            ("challenge-selected", "data", {"id": cid, "version": 1}),
            ("challenge-response", "value", "A second CAIT officer from April."),
        ],
        via='"challenge-action"',
    )
    assert said["challenge-action-status"]["children"] == f"Challenge #{cid} answered (version 2)."
    assert [e.action for e in audit.recent(10) if e.target == f"challenge/{cid}"] == [
        "challenge.answer",
        "challenge.raise",
    ]


def test_the_chair_dismisses_a_draft_from_the_log_page_and_it_is_not_offered_again(client):
    offered = _call(client, "drafts.children", [("view-state", "data", VIEW), ("challenges-refresh", "data", 0)])
    assert DRAFT in json.dumps(offered)
    out = _call(
        client, "drafts-status.children", [("", "n_clicks", _All((_draft("dismiss"), 1)))], via='"type":"draft-dismiss"'
    )
    assert out["drafts-status"]["children"] == "Draft dismissed; it will not be proposed again for this figure."
    assert [e.target for e in audit.recent(5, action="draft.dismiss")] == [DRAFT]
    drafts = _call(client, "drafts.children", [("view-state", "data", VIEW), ("challenges-refresh", "data", 1)])
    assert DRAFT not in json.dumps(drafts)
