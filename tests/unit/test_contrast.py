"""Colour contrast, computed from the stylesheet's own values and the palette in dashboard/rules/rag.py (WCAG 2.2
1.4.3 text 4.5:1, 1.4.11 graphics and focus rings 3:1), on screen, in meeting mode, in the charts and in the PDF.
axe only judges what a test happened to render; this judges every rule that is written."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from dashboard.reports import figures
from dashboard.rules.rag import COLOURS, RAGS, STATUS_TEXT, contrast_ratio, relative_luminance
from tests.conftest import ROOT

CSS = (ROOT / "assets" / "style.css").read_text(encoding="utf-8")
TEXT, GRAPHIC = 4.5, 3.0
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
# Rules drawn on the dark blue header: their text sits on the brand colour, not on the page.
ON_HEADER = (".app-header", ".brand", ".meeting-toggle", ".user-menu")


@dataclass(frozen=True)
class Rule:
    selector: str
    declarations: dict[str, str]


def _strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def rules(css: str = CSS) -> list[Rule]:
    """Every innermost `selector { declarations }` (rules inside @media included, with the @media dropped)."""
    out = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", _strip_comments(css)):
        selector = selector.split("{")[-1].strip()
        decls = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                decls[name.strip().lower()] = value.replace("!important", "").strip()
        out.append(Rule(selector, decls))
    return out


def custom_properties(scope: str = ":root") -> dict[str, str]:
    """The custom properties a scope sets (`.meeting` overrides `:root`'s)."""
    props: dict[str, str] = {}
    for scope_selector in [":root"] if scope == ":root" else [":root", scope]:
        for r in rules():
            if r.selector == scope_selector:
                props.update({k: v for k, v in r.declarations.items() if k.startswith("--")})
    return props


def resolve(value: str, props: dict[str, str]) -> str | None:
    """A declaration's colour as #rrggbb (custom properties followed), or None when it is not a plain colour."""
    value = value.strip()
    m = re.search(r"var\((--[\w-]+)\)", value)
    if m:
        return resolve(props[m.group(1)], props) if m.group(1) in props else None
    found = HEX.search(value)
    if found and not re.search(r"rgba|gradient|url", value):
        return found.group(0)
    return {"white": "#ffffff", "black": "#000000"}.get(value.split()[0] if value else "")


def _colour_of(rule: Rule, prop: str, props: dict[str, str]) -> str | None:
    for name in (prop, "border-left-color", "border-left") if prop == "border-left-color" else (prop,):
        if name in rule.declarations:
            return resolve(rule.declarations[name], props)
    return None


def test_the_stylesheet_and_the_palette_say_the_same_status_colours():
    props = custom_properties()
    assert {rag: props[f"--rag-{rag}"].lower() for rag in RAGS} == {rag: c.lower() for rag, c in COLOURS.items()}
    assert props["--rag-text"].lower() == STATUS_TEXT.lower()


def test_the_contrast_arithmetic_is_wcags():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # The defect that was reported: dark grey text on Okabe-Ito's vermillion.
    assert contrast_ratio("#1b1b1b", "#d55e00") == pytest.approx(4.45, abs=0.01)
    assert relative_luminance("#fff") == pytest.approx(1.0)


@pytest.mark.parametrize("scope", [":root", ".meeting"])
@pytest.mark.parametrize("rag", RAGS)
def test_each_status_colour_carries_its_text_and_stands_out_from_the_page(scope, rag):
    props = custom_properties(scope)
    colour, text = resolve(props[f"--rag-{rag}"], props), resolve(props["--rag-text"], props)
    assert contrast_ratio(colour, text) >= TEXT, f"status text on {rag} {colour}"
    for ground in ("#ffffff", resolve(props["--bg"], props), "#fafafa"):
        assert contrast_ratio(colour, ground) >= GRAPHIC, f"{rag} {colour} as a tile edge or mark on {ground}"


def test_every_badge_and_label_on_a_colour_has_readable_text():
    """Each rule that paints a badge's background: its own text colour (or the badge's base rule's, or the page's
    ink it inherits) at 4.5:1 on it."""
    props = custom_properties()
    all_rules = rules()
    base_text = {}
    for r in all_rules:
        for base in (".rag-badge", ".draft-reason"):
            if r.selector == base and "color" in r.declarations:
                base_text[base] = resolve(r.declarations["color"], props)
    badges = [r for r in all_rules if re.search(r"badge|reason-", r.selector) and "background" in r.declarations]
    assert len(badges) >= 6, "the badge rules were not found"
    for r in badges:
        ground = resolve(r.declarations["background"], props)
        base = ".rag-badge" if "badge" in r.selector else ".draft-reason"
        text = (
            resolve(r.declarations["color"], props)
            if "color" in r.declarations
            else base_text.get(base, resolve(props["--ink"], props))
        )
        assert base in base_text, f"{base} sets no text colour: its badges would inherit the page's"
        assert contrast_ratio(text, ground) >= TEXT, f"{r.selector}: {text} on {ground}"


@pytest.mark.parametrize("scope", [":root", ".meeting"])
def test_every_text_colour_in_the_stylesheet_is_readable_where_it_is_drawn(scope):
    """A rule with its own background is judged on it; header rules on the header's blue; any other on the page,
    on white cards and on the pale grey of list items. A rule with a background and no colour carries the ink."""
    props = custom_properties(scope)
    ink = resolve(props["--ink"], props)
    grounds = {"#ffffff", "#fafafa", "#f7f9fc", resolve(props["--bg"], props)}
    checked = 0
    for r in rules():
        own_ground = resolve(r.declarations["background"], props) if "background" in r.declarations else None
        if "background-color" in r.declarations:
            own_ground = resolve(r.declarations["background-color"], props)
        text = resolve(r.declarations["color"], props) if "color" in r.declarations else None
        if text is None and own_ground is None:
            continue
        if "badge" in r.selector or "reason-" in r.selector:
            continue  # the badge test above
        on_header = any(h in r.selector for h in ON_HEADER)
        if own_ground:
            under = [own_ground]
        elif on_header:
            under = [resolve(props["--brand"], props)]
        else:
            under = sorted(grounds)
        for ground in under:
            fg = text or ink
            assert contrast_ratio(fg, ground) >= TEXT, f"{r.selector}: {fg} on {ground}"
            checked += 1
    assert checked >= 20


def test_status_edges_focus_rings_and_control_borders_stand_out():
    """Graphics that carry meaning (WCAG 1.4.11): tile and challenge edges, focus rings (blue on the page, white on
    the header), form-control borders."""
    props = custom_properties()
    page = {"#ffffff", "#fafafa", resolve(props["--bg"], props)}
    edges = [
        r
        for r in rules()
        if ("rag-" in r.selector or "challenge-item.status" in r.selector) and ("border-left-color" in r.declarations)
    ]
    assert len(edges) >= 6
    for r in edges:
        colour = resolve(r.declarations["border-left-color"], props)
        for ground in page:
            assert contrast_ratio(colour, ground) >= GRAPHIC, f"{r.selector}: {colour} on {ground}"
    focus = [r for r in rules() if "focus-visible" in r.selector]
    assert focus
    for r in focus:
        colour = resolve(r.declarations.get("outline-color") or r.declarations["outline"], props)
        grounds = [resolve(props["--brand"], props)] if any(h in r.selector for h in ON_HEADER) else sorted(page)
        for ground in grounds:
            assert contrast_ratio(colour, ground) >= GRAPHIC, f"focus ring {colour} on {ground}"
    controls = next(r for r in rules() if ".form-control" in r.selector and "border-color" in r.declarations)
    assert contrast_ratio(resolve(controls.declarations["border-color"], props), "#ffffff") >= GRAPHIC


def test_chart_series_comparators_and_the_pdf_status_cells_stand_out():
    for colour in figures.SERIES:
        assert contrast_ratio(colour, figures.PLOT_BACKGROUND) >= GRAPHIC, f"chart series {colour}"
    for colour, _dash in figures.COMPARATOR_STYLE.values():
        assert contrast_ratio(colour, figures.PLOT_BACKGROUND) >= GRAPHIC, f"comparator line {colour}"
    # The board pack draws each status as its colour behind black text, on a white page.
    for rag, colour in COLOURS.items():
        assert contrast_ratio(colour, STATUS_TEXT) >= TEXT, f"PDF status cell {rag}"
        assert contrast_ratio(colour, "#ffffff") >= GRAPHIC, f"PDF status cell {rag} on the page"
