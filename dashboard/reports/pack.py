"""The board pack: a PDF for the board papers (landscape A4), made from the same figures and rules as the app.

Cover; contents; the scorecard with status words; the exceptions with their commentary; a page per domain with
its key charts (static images of the app's own figures, drawn by kaleido in Chromium); the open challenges.
Counts of 1 to 5 print as "c" unless the board turns that off. Readable in greyscale: status is a word and a
symbol, and chart series differ by line style and marker as well as colour.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import shutil
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from dashboard.reference.view import ViewState
from dashboard.rules.challenges import STATUS_WORDS, is_overdue
from dashboard.rules.rag import COLOURS, ICONS, WORDS
from dashboard.rules.scorecard import Assessment, gap_text
from dashboard.rules.suppression import NOTE, is_suppressed, shown
from dashboard.services.pages import PackContent, pack_content

PAGE = landscape(A4)
MARGIN = 14 * mm
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
log = logging.getLogger(__name__)
SYMBOLS = ["circle", "square", "triangle-up", "diamond", "x", "star", "cross", "triangle-down"]


def _fonts() -> tuple[str, str, bool]:
    """DejaVu Sans (it has the status symbols) where the machine has it; Helvetica and ASCII symbols if not."""
    for d in FONT_DIRS:
        regular, bold = Path(d) / "DejaVuSans.ttf", Path(d) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
                pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold", True
    return "Helvetica", "Helvetica-Bold", False


ASCII_ICONS = {"red": "[X]", "amber": "[!]", "green": "[OK]", "none": "[-]"}


class _Doc(BaseDocTemplate):
    def __init__(self, buf, **kw):
        super().__init__(
            buf,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + 4 * mm,
            **kw,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates(
            [PageTemplate(id="cover", frames=[frame]), PageTemplate(id="body", frames=[frame], onPage=self._footer)]
        )
        self.footer_text = ""

    def _footer(self, c: canvas.Canvas, _doc) -> None:
        c.saveState()
        c.setFont(self._font, 8)
        c.setFillColor(colors.HexColor("#444444"))
        c.drawString(MARGIN, 8 * mm, self.footer_text)
        c.restoreState()

    def afterFlowable(self, flowable) -> None:
        if isinstance(flowable, Paragraph) and flowable.style.name in ("H1", "H2"):
            level = 0 if flowable.style.name == "H1" else 1
            self.notify("TOCEntry", (level, flowable.getPlainText(), self.page))


def _numbered_canvas(font: str):
    class NumberedCanvas(canvas.Canvas):
        """'Page N of M' on every page after the cover (M is known only at the end)."""

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                if self._pageNumber > 1:
                    self.setFont(font, 8)
                    self.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _styles(font: str, bold: str) -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    s = {
        "Title": ParagraphStyle(
            "Title", parent=base["Title"], fontName=bold, fontSize=28, leading=34, alignment=TA_LEFT, spaceAfter=12
        ),
        "Subtitle": ParagraphStyle("Subtitle", fontName=font, fontSize=15, leading=20, spaceAfter=6),
        "H1": ParagraphStyle("H1", fontName=bold, fontSize=18, leading=22, spaceBefore=4, spaceAfter=8),
        "H2": ParagraphStyle("H2", fontName=bold, fontSize=13, leading=16, spaceBefore=8, spaceAfter=4),
        "Body": ParagraphStyle("Body", fontName=font, fontSize=10, leading=13),
        "Small": ParagraphStyle("Small", fontName=font, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333")),
        "Cell": ParagraphStyle("Cell", fontName=font, fontSize=8.5, leading=10.5),
        "CellBold": ParagraphStyle("CellBold", fontName=bold, fontSize=8.5, leading=10.5),
    }
    return s


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: anything a user typed is escaped, never read as markup."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _status_cell(rag: str, word: str, styles, unicode_ok: bool) -> Table:
    icon = ICONS[rag] if unicode_ok else ASCII_ICONS[rag]
    t = Table([[_p(f"{icon} {word}", styles["CellBold"])]], colWidths=[26 * mm])
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(COLOURS[rag])),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _grid(data: list[list], widths: list[float], header_rows: int = 1) -> Table:
    t = Table(data, colWidths=widths, repeatRows=header_rows)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e8e8e8")),
                ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, colors.black),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9a9a9a")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def _value(a: Assessment, suppress: bool) -> str:
    if a.figure is None:
        return "no data"
    return shown(a.figure.value, a.indicator["unit"], suppress)


def _print_style(fig, suppress: bool, unit: str) -> bool:
    """Restyle an app figure for paper: distinct dashes and markers per series (greyscale), suppressed small
    counts as gaps. Returns True if anything was suppressed."""
    hidden = False
    for i, trace in enumerate(fig.data):
        if getattr(trace, "mode", None) and "lines" in trace.mode:
            trace.line.dash = DASHES[i % len(DASHES)]
            trace.marker.symbol = SYMBOLS[i % len(SYMBOLS)]
        if suppress and unit == "count" and trace.y is not None:
            ys = list(trace.y)
            for j, y in enumerate(ys):
                if y is not None and is_suppressed(y, unit):
                    ys[j] = None
                    hidden = True
            trace.y = ys
    fig.update_layout(paper_bgcolor="white", plot_bgcolor="white")
    return hidden


def chart_browser(configured: str | None = None) -> str | None:
    """The Chromium that kaleido draws charts with (the configured BROWSER_PATH, or Debian's chromium), if any."""
    path = configured or shutil.which("chromium") or shutil.which("chromium-browser")
    return path if path and Path(path).exists() else None


NO_BROWSER = (
    "Charts are left out: the server has no Chromium to draw them with. Install the 'chromium' package "
    "(or set BROWSER_PATH) and make the pack again."
)


ProgressFn = Callable[[int, int, str], None]
"""Told `(done, total, step)` as the pack is made: steps done of the total, and what is being done now."""

CHART_OPTS = {"format": "png", "width": 620, "height": 330, "scale": 1.6}
CHART_TABS = 2  # charts drawn at once in the one browser: more tabs than cores only queue


class ImageCache(Protocol):
    """Where chart images are kept between packs, by the data they draw (the pack job store is one)."""

    def get_image(self, key: str) -> bytes | None: ...

    def set_image(self, key: str, png: bytes) -> None: ...


class _MemoryImages:
    """The default image cache: this process's memory (one command-line run, or a worker's packs)."""

    def __init__(self, limit: int = 256) -> None:
        self._items: dict[str, bytes] = {}
        self._limit = limit

    def get_image(self, key: str) -> bytes | None:
        return self._items.get(key)

    def set_image(self, key: str, png: bytes) -> None:
        if len(self._items) >= self._limit:
            self._items.pop(next(iter(self._items)))
        self._items[key] = png


MEMORY_IMAGES = _MemoryImages()


def chart_key(fig_dict: dict) -> str:
    """The cache key of a chart image: everything it draws and the size it is drawn at."""
    body = json.dumps({"fig": fig_dict, "opts": CHART_OPTS}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


class ChartBrowser:
    """One headless Chromium (kaleido) for a whole pack, started when the first chart needs drawing and drawing a
    few charts at a time in its tabs. Nothing global is touched: the server's
    other threads, and kaleido's own shared server, are left alone."""

    def __init__(self, browser: str, tabs: int = CHART_TABS) -> None:
        self._browser, self._tabs = browser, tabs
        self._opening = None

    def _start(self):
        """Start the browser on first use: its own event loop in its own thread."""
        if self._opening is not None:
            return self._opening
        browser, tabs = self._browser, self._tabs
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pack-charts", daemon=True)
        self._thread.start()
        self._kaleido = None
        # MathJax is off: the charts have no formulae, and it would be fetched from the internet.
        self._opening = asyncio.run_coroutine_threadsafe(self._open(browser, tabs), self._loop)
        return self._opening

    async def _open(self, browser: str, tabs: int):
        import kaleido

        k = kaleido.Kaleido(n=tabs, path=browser, mathjax=False)
        await k.open()
        self._kaleido = k
        return k

    def render(self, figs: list[dict], done: Callable[[], None] = lambda: None) -> list[bytes]:
        """PNG images of `figs`, in order; `done` is called as each one is drawn."""
        k = self._start().result(timeout=120)

        async def one(fig: dict) -> bytes:
            png = await k.calc_fig(fig, opts=dict(CHART_OPTS))
            done()
            return png

        async def every() -> list[bytes]:
            return list(await asyncio.gather(*(one(f) for f in figs)))

        return asyncio.run_coroutine_threadsafe(every(), self._loop).result(timeout=60 + 15 * len(figs))

    def close(self) -> None:
        """Stop the browser and the thread that talks to it (if it was started)."""
        if self._opening is None:
            return
        try:
            k = self._opening.result(timeout=120)
            asyncio.run_coroutine_threadsafe(k.close(), self._loop).result(timeout=30)
        except Exception:  # noqa: BLE001 - a browser that would not start or stop must not lose the pack
            log.warning("the chart browser did not close cleanly", exc_info=True)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


def _chart_images(
    content: PackContent, charts: ChartBrowser | None, suppress: bool, images: ImageCache, step: Callable[[str], None]
) -> dict[str, list[tuple[bytes, bool]]]:
    """PNG images of each domain's charts in the pack, restyled for paper. Each image is looked up by the data it
    draws first; only the charts not drawn before go to the browser, all in one session."""
    out: dict[str, list[tuple[bytes | None, bool]]] = {}
    missing: list[tuple[str, int, str, dict]] = []
    for d in content.domains:
        out[d.code] = []
        for c in d.charts:
            hidden = _print_style(c.figure, suppress, c.unit)
            fig = c.figure.to_plotly_json()
            key = chart_key(fig)
            png = images.get_image(key)
            out[d.code].append((png, hidden))
            if png is None:
                missing.append((d.code, len(out[d.code]) - 1, key, fig))
            else:
                step("chart (already drawn)")
    if missing and charts is not None:
        pngs = charts.render([m[3] for m in missing], done=lambda: step("chart"))
        for (domain, i, key, _fig), png in zip(missing, pngs, strict=True):
            images.set_image(key, png)
            out[domain][i] = (png, out[domain][i][1])
    return {d: [(png, h) for png, h in items if png is not None] for d, items in out.items()}


def build_pack(
    view: ViewState,
    *,
    suppress: bool = True,
    today: date | None = None,
    with_charts: bool = True,
    progress: ProgressFn | None = None,
    images: ImageCache | None = None,
    content: PackContent | None = None,
    browser_path: str | None = None,
) -> bytes:
    """Make the board pack for a view; return the PDF's bytes.

    `progress(done, total, step)` is told as each part is made (reading the figures, each chart, the PDF), for a
    progress bar. `images` keeps chart images between packs by the data they draw (default: this process's
    memory), so a chart already drawn is not drawn again. `content` is the view's `pack_content`, when the caller
    has read it already.
    """
    today = today or date.today()
    font, bold, unicode_ok = _fonts()
    st = _styles(font, bold)
    browser = chart_browser(browser_path) if with_charts else None
    with_charts = browser is not None
    tell = progress or (lambda _d, _t, _s: None)
    tell(0, 1, "reading the figures")
    if content is None:
        content = pack_content(view, with_charts=with_charts)
    # The browser starts only when a chart has not been drawn before (a pack of known charts needs none).
    charts = ChartBrowser(browser) if with_charts else None
    try:
        total = 2 + sum(len(d.charts) for d in content.domains)  # figures, each chart, the PDF
        done = [1]
        tell(1, total, "drawing the charts")

        def step(what: str) -> None:
            done[0] += 1
            tell(done[0], total, what)

        images_by_domain = (
            _chart_images(content, charts, suppress, images or MEMORY_IMAGES, step) if with_charts else {}
        )
    finally:
        if charts is not None:
            charts.close()
    tell(total - 1, total, "laying out the PDF")
    pdf = _layout(
        content,
        images_by_domain,
        suppress=suppress,
        today=today,
        with_charts=with_charts,
        fonts=(font, bold, unicode_ok),
        st=st,
    )
    tell(total, total, "done")
    return pdf


def _layout(
    content: PackContent,
    images: dict[str, list[tuple[bytes, bool]]],
    *,
    suppress: bool,
    today: date,
    with_charts: bool,
    fonts: tuple[str, str, bool],
    st: dict[str, ParagraphStyle],
) -> bytes:
    """The PDF itself, from the pack's content and its chart images."""
    font, bold, unicode_ok = fonts
    area_name, period_text = content.area_name, content.period_text

    story: list = []
    # Cover
    story += [
        Spacer(1, 30 * mm),
        _p(content.board_name, st["Title"]),
        _p("Performance report: board pack", st["Subtitle"]),
        _p(f"{area_name}: {period_text}", st["Subtitle"]),
        Spacer(1, 10 * mm),
        _p(f"Produced {today:%d %B %Y}", st["Body"]),
        _p(f"Data as of {content.updated_at} ({content.observations:,} figures in the dataset)", st["Body"]),
        Spacer(1, 6 * mm),
        _p(
            "Status is given as a word and a symbol as well as a colour: "
            + "; ".join(f"{ICONS[r] if unicode_ok else ASCII_ICONS[r]} {WORDS[r]}" for r in WORDS)
            + ". Every figure comes from a document and line recorded in the dashboard.",
            st["Small"],
        ),
    ]
    if suppress:
        story.append(_p(NOTE, st["Small"]))
    story += [NextPageTemplate("body"), PageBreak()]
    # Contents
    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle("TOC1", fontName=bold, fontSize=11, leading=15),
        ParagraphStyle("TOC2", fontName=font, fontSize=10, leading=13, leftIndent=12),
    ]
    story += [_p("Contents", st["H1"]), toc, PageBreak()]
    # Scorecard
    story.append(_p("Scorecard", st["H1"]))
    if suppress:
        story.append(_p(NOTE, st["Small"]))
    for section in content.scorecard.sections:
        rows = [
            [
                _p(h, st["CellBold"])
                for h in ("Indicator", "Value", "Period", "Status", "Direction of travel", "Target or comparator")
            ]
        ]
        for a in section.tiles:
            rows.append(
                [
                    _p(a.indicator["title"], st["Cell"]),
                    _p(_value(a, suppress), st["CellBold"]),
                    _p(a.figure.period_label if a.figure else "", st["Cell"]),
                    _status_cell(a.status.rag, a.status.word, st, unicode_ok),
                    _p(a.direction.text if a.figure else "", st["Cell"]),
                    _p(
                        a.target_text
                        + (
                            f" ({a.status.reason})"
                            if a.status.rag == "none" and a.figure and a.status.reason not in ("no target",)
                            else ""
                        ),
                        st["Cell"],
                    ),
                ]
            )
        story.append(
            KeepTogether(
                [_p(section.title, st["H2"]), _grid(rows, [70 * mm, 24 * mm, 28 * mm, 30 * mm, 58 * mm, 58 * mm])]
            )
        )
    story.append(PageBreak())
    # Exceptions with commentary
    story.append(_p("Exceptions and commentary", st["H1"]))
    if not content.exceptions.items:
        story.append(_p("Nothing is off target for this view.", st["Body"]))
    else:
        rows = [
            [
                _p(h, st["CellBold"])
                for h in ("Status", "Indicator", "Value", "Target", "Off target since", "Commentary")
            ]
        ]
        for a in content.exceptions.items:
            gap = gap_text(a)
            rows.append(
                [
                    _status_cell(a.status.rag, a.status.word, st, unicode_ok),
                    _p(a.indicator["title"], st["Cell"]),
                    _p(f"{_value(a, suppress)}, {a.figure.period_label}" if a.figure else "", st["Cell"]),
                    _p(a.status.reason + (f" (gap {gap})" if gap else ""), st["Cell"]),
                    _p(a.since or "", st["Cell"]),
                    _p(content.commentary.get(a.code, "No commentary yet."), st["Cell"]),
                ]
            )
        story.append(_grid(rows, [30 * mm, 55 * mm, 30 * mm, 40 * mm, 24 * mm, 89 * mm]))
    story.append(PageBreak())
    # A page per domain with its key charts
    for domain in content.domains:
        story.append(_p(domain.title, st["H1"]))
        story.append(_p(domain.description, st["Small"]))
        imgs = images.get(domain.code, [])
        if not imgs:
            story.append(
                _p(
                    "No charts: the dataset has no figures for this part of the service for this board."
                    if with_charts
                    else NO_BROWSER,
                    st["Body"],
                )
            )
        else:
            cells = [Image(io.BytesIO(png), width=124 * mm, height=66 * mm) for png, _h in imgs]
            grid = [cells[i : i + 2] for i in range(0, len(cells), 2)]
            story.append(Table(grid, colWidths=[130 * mm, 130 * mm]))
            if any(h for _p2, h in imgs):
                story.append(_p("Counts of 1 to 5 are left out of the charts (gaps), as in the tables.", st["Small"]))
        story.append(PageBreak())
    # Open challenges
    story.append(_p("Open challenges", st["H1"]))
    if not content.challenges:
        story.append(_p("There are no open challenges.", st["Body"]))
    else:
        rows = [[_p(h, st["CellBold"]) for h in ("#", "Indicator and area", "Question", "Owner", "Due", "Status")]]
        for r in content.challenges:
            due = None if pd.isna(r["due_date"]) else pd.Timestamp(r["due_date"]).date()
            late = is_overdue(r["status"], due, today)
            rows.append(
                [
                    _p(str(r["id"]), st["Cell"]),
                    _p(f"{r['indicator_title']} ({r['area_name']})", st["Cell"]),
                    _p(r["question"] + (f"\nResponse: {r['response']}" if r["response"] else ""), st["Cell"]),
                    _p(r["owner"], st["Cell"]),
                    _p(f"{due:%d %b %Y}" if due else "none", st["Cell"]),
                    _p(
                        STATUS_WORDS[r["status"]] + (" - OVERDUE" if late else ""),
                        st["CellBold"] if late else st["Cell"],
                    ),
                ]
            )
        story.append(_grid(rows, [10 * mm, 50 * mm, 110 * mm, 45 * mm, 24 * mm, 29 * mm]))

    buf = io.BytesIO()
    short = content.board_short_name
    doc = _Doc(
        buf, title=f"{short} board pack", author="Safeguarding board dashboard", subject=f"{area_name}, {period_text}"
    )
    doc._font = font
    doc.footer_text = f"{short} board pack: {area_name}, {period_text}. Produced {today:%d %b %Y}."
    doc.multiBuild(story, canvasmaker=_numbered_canvas(font))
    return buf.getvalue()


def pack_filename(view: ViewState, today: date | None = None) -> str:
    today = today or date.today()
    return f"board-pack-{view.board}-{view.area}-{view.period}-{today:%Y-%m-%d}.pdf"


def produced_at() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M")
