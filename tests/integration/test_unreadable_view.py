"""An address (or a view store sent back by the browser) naming a period, board or area that does not exist shows
the default view and says so, instead of a server error and a blank page: every page and every callback that reads
the view, asked by a real server the way the browser asks it."""

from __future__ import annotations

import pytest
import requests

from dashboard.reference.registry import registry
from dashboard.reference.view import NOTICE_PERIOD, ViewState, registry_reference
from dashboard.web import ids
from tests.servers import running_server

BAD_VIEWS = [
    {"board": "havering", "area": "havering", "period": "garbage", "meeting": False},
    {"board": "havering", "area": "havering", "period": "2014-99 Q7", "meeting": False},
    {"board": ["havering", "triborough"], "area": {"x": 1}, "period": ["2014-15"], "meeting": False},
    {"board": "nowhere", "area": "atlantis", "period": "x" * 300, "meeting": "1"},
    {"junk": "field"},
]
BAD_SEARCHES = [
    "?period=garbage",
    "?board=nowhere&area=atlantis&period=2014-15%00",
    "?board=havering&board=triborough&period=2014-15&period=zzz",
]


@pytest.mark.parametrize("query", ["?period=garbage", {"period": ["2014-15", "x"]}, {"period": 7}])
def test_a_period_that_does_not_parse_falls_back_to_the_latest_figures_with_a_notice(query):
    view, notices = ViewState.read(query, registry_reference())
    assert view.period == "latest" and notices == (NOTICE_PERIOD,)


def test_a_readable_period_is_kept_normalised_and_needs_no_notice():
    view, notices = ViewState.read("?board=triborough&area=westminster&period=2014/15", registry_reference())
    assert (view.board, view.area, view.period, notices) == ("triborough", "westminster", "2014-15", ())


def _value(dep_id: str, prop: str, view, search: str, path: str):
    if dep_id == ids.VIEW and prop == "data":
        return view
    if dep_id in (ids.FILTER_BOARD, ids.FILTER_AREA, ids.FILTER_PERIOD):  # selectors sent back changed
        return {ids.FILTER_BOARD: "nowhere", ids.FILTER_AREA: "atlantis", ids.FILTER_PERIOD: "garbage"}[dep_id]
    return {"search": search, "pathname": path, "href": f"http://127.0.0.1{path}{search}"}.get(prop)


def _body(cb: dict, view, search: str, path: str) -> dict:
    """A /_dash-update-component request as the renderer makes it, every input and state given."""
    out = cb["output"]
    outs = [o.rsplit(".", 1) for o in out.strip(".").split("...")] if out.startswith("..") else [out.rsplit(".", 1)]
    outputs = [{"id": i, "property": p} for i, p in outs]
    deps = [
        [
            {"id": d["id"], "property": d["property"], "value": _value(d["id"], d["property"], view, search, path)}
            for d in cb[kind]
        ]
        for kind in ("inputs", "state")
    ]
    return {
        "output": out,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": deps[0],
        "state": deps[1],
        "changedPropIds": [f"{d['id']}.{d['property']}" for d in deps[0]],
    }


def test_every_page_and_view_callback_answers_a_view_that_does_not_exist(loaded_db, tmp_path):
    env = {"DATABASE_URL": loaded_db.database_url, "INSTANCE_PATH": str(loaded_db.instance_path)}
    paths = [
        "/",
        "/exceptions",
        "/challenges",
        "/indicator/contacts",
        *(spec.path for spec in registry().domain_pages()),
    ]
    with running_server(env, log_path=tmp_path / "server.log") as url:
        deps = requests.get(url + "/_dash-dependencies", timeout=30).json()
        simple = [
            cb
            for cb in deps
            if "{" not in cb["output"]
            and "@" not in cb["output"]
            and not any(d["id"].startswith("{") for d in cb["inputs"] + cb["state"])
        ]
        readers = [
            cb
            for cb in simple
            if any(d["id"] in (ids.VIEW, ids.URL, "_pages_location") for d in cb["inputs"] + cb["state"])
        ]
        assert len([cb for cb in readers if any(d["id"] == ids.VIEW for d in cb["inputs"] + cb["state"])]) >= 7
        failures = []
        for cb in readers:
            reads_path = any(d["property"] == "pathname" for d in cb["inputs"] + cb["state"])
            for path in paths if reads_path else paths[:1]:
                for view, search in zip(BAD_VIEWS, BAD_SEARCHES * 2, strict=False):
                    r = requests.post(url + "/_dash-update-component", json=_body(cb, view, search, path), timeout=120)
                    if r.status_code not in (200, 204):
                        failures.append(f"{path} {cb['output']} {str(view)[:80]} {search}: {r.status_code}")
        assert not failures, "\n".join(failures[:20])

        notice = requests.post(
            url + "/_dash-update-component",
            timeout=30,
            json=_body(
                next(cb for cb in readers if cb["output"] == f"{ids.VIEW_NOTICE}.children"),
                None,
                "?period=garbage",
                "/",
            ),
        )
        assert NOTICE_PERIOD in notice.text
        fine = requests.post(
            url + "/_dash-update-component",
            timeout=30,
            json=_body(
                next(cb for cb in readers if cb["output"] == f"{ids.VIEW_NOTICE}.children"),
                None,
                "?period=2014-15",
                "/",
            ),
        )
        assert "address named" not in fine.text

        # The page itself, from a bookmarked address with a broken period: the scorecard of the latest figures.
        page = next(cb for cb in readers if "_pages_content.children" in cb["output"])
        drawn = requests.post(
            url + "/_dash-update-component", timeout=60, json=_body(page, None, "?board=havering&period=garbage", "/")
        )
        assert drawn.status_code == 200 and '"period": "latest"' in drawn.text.replace('":"', '": "')
