"""Text from data, as a chart shows it: plain text, whatever it holds.

Plotly reads the text of a chart (trace names in the legend, axis and chart titles, hover labels) as a small HTML
dialect: `<a href=...>` becomes a live link, `<b>`, `<br>` and `<span style=...>` format it. And a hover template
expands every `%{...}` in it, so a value holding `%{customdata}` shows the point's hidden data. A breakdown value,
an area name or a source document comes from an imported file, so each is escaped before it joins a chart's text:
`&`, `<` and `>` as entities (plotly turns them back into the characters when it draws), and the `%` of `%{` as
one too, which the template engine does not see but the drawn text shows as a `%`.
"""

from __future__ import annotations


def chart_text(value: object) -> str:
    """`value` as a chart's text that plotly draws exactly as written: never markup, never a template field."""
    text = value if isinstance(value, str) else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("%{", "&#37;{")
