"""Text in a chart that comes from data is plain text: an imported breakdown value or source holding markup or a
hover-template field is shown as written, never as a link, formatting, or the point's hidden data (real import,
real databases)."""

from __future__ import annotations

import csv
import re

from dashboard.reports.figures import breakdown_label
from dashboard.rules.chart_text import chart_text
from dashboard.services import dataset as services
from dashboard.services import pages

HAVERING = {"board": "havering", "area": "havering", "period": "latest", "meeting": False}
LINK = '<a href="https://evil.example/">Police</a>'
FIELD = "Schools %{customdata} %{fullData.name}"
SOURCE = "<img src=x onerror=alert(1)>.pdf"
ALLOWED_FIELDS = {"%{x}", "%{y:,}"}  # the fields the builders put in their own templates


def test_a_breakdown_value_with_markup_or_a_template_field_is_plain_text_in_every_chart(tmp_path, loaded_db):
    data = tmp_path / "hostile.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "indicator",
                "area",
                "period",
                "breakdown_dimension",
                "breakdown_value",
                "value",
                "source_document",
                "source_line",
            ]
        )
        w.writerow(["contacts", "havering", "2014-15", "source", LINK, 120, SOURCE, 3])
        w.writerow(["contacts", "havering", "2014-15", "source", FIELD, 80, SOURCE, 4])
    services.import_dataset(data)

    plan = pages.domain_chart_plan(HAVERING, "front_door")
    chart = next(c for c in plan.charts if c.indicator == "contacts" and c.dimension == "source")
    fig = chart.figure
    names = [t.name for t in fig.data]
    # The legend shows the characters (plotly draws the entities as them), never a link.
    label = breakdown_label(LINK)
    assert chart_text(label) in names and label not in names
    assert "&lt;a href=" in chart_text(LINK) and "<a" not in " ".join(names)
    for t in fig.data:
        assert set(re.findall(r"%\{[^}]*\}", t.hovertemplate)) <= ALLOWED_FIELDS, t.hovertemplate
        assert "<a" not in t.hovertemplate
    axis = fig.layout.xaxis.title.text
    assert "<img" not in axis and "&lt;img src=x" in axis

    # In the drill panel's table (a page element, never markup) the value reads as imported.
    panel = pages.drill_panel(HAVERING, "contacts", "havering", "2014-15")
    cells = [row[0] for t in panel.tables for row in t.rows]
    assert any("evil.example" in c and "&lt;" not in c for c in cells)


def test_chart_text_escapes_only_what_plotly_would_act_on():
    assert chart_text("Hammersmith & Fulham") == "Hammersmith &amp; Fulham"
    assert chart_text("50% of <b>x</b> %{y}") == "50% of &lt;b&gt;x&lt;/b&gt; &#37;{y}"
    assert chart_text(12) == "12"
