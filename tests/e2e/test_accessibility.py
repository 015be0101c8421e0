"""Accessibility of every page in a real browser: axe-core finds no serious or critical violation, and a keyboard
user can Tab to every control and always sees where the focus is."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import MEETING
from tests.e2e.helpers import chart_points, click_point, graphs, settle, visit

pytestmark = pytest.mark.e2e

PAGES = {
    "overview": "/?board=havering",
    "overview-triborough": "/?board=triborough",
    "front-door": "/front-door?board=havering",
    "front-door-drilled": "/front-door?board=havering",
    "child-protection": "/child-protection?board=triborough",
    "looked-after": "/looked-after?board=havering",
    "care-leavers": "/care-leavers?board=havering",
    "training": "/training?board=havering",
    "indicator": "/indicator/referrals_to_assessment?board=havering",
    "exceptions": "/exceptions?board=havering",
    "about": "/about",
    "not-found": "/no-such-page",
    "indicator-not-found": "/indicator/contactz",
    "meeting-mode": "/?board=havering&meeting=1",
}
BLOCKING = ("serious", "critical")


def describe(violations: list[dict]) -> str:
    """One readable block per violation: rule, impact, what is wrong, and where (first few elements)."""
    out = []
    for v in violations:
        nodes = v.get("nodes", [])
        where = "; ".join(
            " ".join(n.get("target", [])) if isinstance(n.get("target"), list) else str(n.get("target"))
            for n in nodes[:5]
        )
        more = f" (and {len(nodes) - 5} more)" if len(nodes) > 5 else ""
        first = (nodes[0].get("failureSummary") or "").replace("\n", " ") if nodes else ""
        out.append(f"[{v['impact']}] {v['id']}: {v['help']} -> {where}{more}\n      {first}\n      {v['helpUrl']}")
    return "\n  ".join(out)


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_or_critical_violation(page, axe, name):
    if name == "meeting-mode":
        page.set_viewport_size(MEETING)
    visit(page, PAGES[name])
    if name.endswith("-drilled"):  # the drill panel filled by a click on a bar, with its tables
        clickable = [(g, p) for g in graphs(page) for p in chart_points(g) if p["kind"] == "bar"]
        assert clickable
        assert "By " in click_point(page, *clickable[-1])
    results = axe.run(
        page,
        options={
            "resultTypes": ["violations"],
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            },
        },
    )
    violations = results.response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {PAGES[name]}:\n  {describe(blocking)}"


# --- keyboard ---------------------------------------------------------------------------------------------------

# Everything a person can operate, visible on the page. Grid cells are reached by the grid's own navigation once
# the grid has the focus (AG Grid's roving tabindex), so inside a grid only its entry and its links are required.
_CONTROLS_JS = """() => {
  const sel = 'a[href], button:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary,'
            + ' input:not([disabled]):not([type=hidden]), [tabindex]:not([tabindex="-1"])';
  const visible = el => {
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    const folded = el.closest('details:not([open])') && el.tagName !== 'SUMMARY';
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0 && !folded
           && el.checkVisibility({checkVisibilityCSS: true})
           && !el.closest('[aria-hidden="true"]') && !el.closest('.skip-link');
  };
  return [...document.querySelectorAll(sel)]
    .filter(el => visible(el) && !el.closest('.modebar')
                  && (!el.closest('.ag-root-wrapper') || el.matches('.ag-cell a[href]')))
    .map((el, i) => { el.dataset.e2eControl = String(i); return describe(el); });
  function describe(el) {
    const name = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${name}"`;
  }
}"""

# The focused element's look, and (after the walk) the same element's look without focus.
_STYLE_JS = """(el) => {
  const s = getComputedStyle(el);
  const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : '';
  return JSON.stringify([ring, s.boxShadow, s.backgroundColor, s.color, s.borderColor, s.textDecorationLine]);
}"""

_ACTIVE_JS = (
    """() => {
  const styleOf = """
    + _STYLE_JS
    + """;
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.e2eSeen) el.dataset.e2eSeen = String(document.querySelectorAll('[data-e2e-seen]').length);
  return {seen: el.dataset.e2eSeen, control: el.dataset.e2eControl ?? null,
          inGrid: !!el.closest('.ag-root-wrapper'), grid: el.closest('.ag-root-wrapper') ? el.closest('[id]').id : null,
          tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 40),
          style: styleOf(el)};
}"""
)


def tab_through(page, limit: int) -> list[dict]:
    """Press Tab until the focus comes back round (or `limit` presses); each stop with its focused style."""
    stops: list[dict] = []
    seen: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(_ACTIVE_JS)
        if stop is None:
            continue
        if stop["seen"] in seen and not stop["inGrid"]:
            if stops and stops[-1]["seen"] == stop["seen"]:
                continue  # the next part of the same control: a date field's day, month and year
            break  # round the page once: back at a control already visited
        seen.add(stop["seen"])
        stops.append(stop)
    return stops


def unfocused_styles(page) -> dict[str, str]:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.click(1, page.viewport_size["height"] - 2)  # nothing there: leaves keyboard modality quietly
    return page.evaluate(f"""() => Object.fromEntries([...document.querySelectorAll('[data-e2e-seen]')]
                               .map(el => [el.dataset.e2eSeen, ({_STYLE_JS})(el)]))""")


def focus_is_visible(focused: str, unfocused: str) -> bool:
    """A focus ring or shadow appears, or the colours, border or underline change; a shadow that merely goes
    away does not count."""
    ring, shadow, *rest = json.loads(focused)
    ring0, shadow0, *rest0 = json.loads(unfocused)
    return bool(ring and ring != ring0) or (shadow != "none" and shadow != shadow0) or rest != rest0


KEYBOARD_PAGES = ["overview", "front-door", "indicator", "exceptions", "about", "meeting-mode"]


@pytest.mark.parametrize("name", KEYBOARD_PAGES)
def test_every_control_is_reached_by_tab_and_shows_where_the_focus_is(page, name):
    if name == "meeting-mode":
        page.set_viewport_size(MEETING)
    visit(page, PAGES[name])
    controls = page.evaluate(_CONTROLS_JS)
    assert controls, "the page has no controls at all"
    grids = page.eval_on_selector_all(".ag-root-wrapper", "els => els.map(e => e.closest('[id]').id)")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    stops = tab_through(page, limit=len(controls) + 400)

    reached = {s["control"] for s in stops if s["control"] is not None}
    missed = [c for i, c in enumerate(controls) if str(i) not in reached]
    assert not missed, f"Tab never reaches {len(missed)} control(s) on {PAGES[name]}: {missed}"
    for grid in grids:
        assert any(s["grid"] == grid for s in stops), f"Tab never enters the grid #{grid}"

    after = unfocused_styles(page)
    # A grid re-creates cells and headers as it scrolls: one that has gone cannot be judged unfocused, and is left out.
    judged = [s for s in stops if s["seen"] in after]
    assert len(judged) >= 0.9 * len(stops)
    invisible = [f'{s["tag"]} "{s["text"]}"' for s in judged if not focus_is_visible(s["style"], after[s["seen"]])]
    assert not invisible, f"no visible focus indicator on {PAGES[name]} for: {invisible}"


def test_the_skip_link_is_first_and_moves_to_the_main_content(page):
    visit(page, "/?board=havering")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0, "the skip link stays hidden"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_tile_opens_its_indicator_from_the_keyboard(page):
    visit(page, "/?board=havering")
    tile = page.locator(".rag-tile").first
    code = tile.get_attribute("data-indicator")
    tile.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/indicator/{code}?**")
    settle(page)
    assert page.locator("#indicator-content").count() == 1


def test_an_exception_opens_its_indicator_from_the_keyboard(page):
    """In the grid, Tab moves from an indicator's cell to its link, and Enter follows it."""
    visit(page, "/exceptions?board=havering")
    cell = page.locator('#exceptions-grid .ag-row[row-index="0"] [col-id="indicator"]')
    title = cell.inner_text()
    cell.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"
    assert page.evaluate("document.activeElement.innerText") == title
    page.keyboard.press("Enter")
    page.wait_for_url("**/indicator/**")
    settle(page)
    assert page.inner_text("h1") == title


def test_a_keyboard_user_opens_an_indicator_from_a_domain_page(page):
    """A chart cannot be clicked from the keyboard: the drill panel lists the page's indicators instead."""
    visit(page, "/looked-after?board=havering")
    summary = page.locator(".drill-panel summary")
    summary.focus()
    page.keyboard.press("Enter")
    first = page.locator(".drill-index a").first
    assert first.is_visible()
    title = first.inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == title
    page.keyboard.press("Enter")
    page.wait_for_url("**/indicator/**")
    settle(page)
    assert page.inner_text("h1") == title
    assert "board=havering" in page.url
