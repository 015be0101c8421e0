"""Component ids, defined once. Pattern-matching ids are built by the functions below."""

URL = "url"
SHELL = "shell"
NAV = "main-nav"
MEETING_LINK = "meeting-link"
VIEW = "view-state"  # per page: {"board", "area", "period", "meeting"} read from the URL
FILTER_BOARD = "filter-board"
FILTER_AREA = "filter-area"
FILTER_PERIOD = "filter-period"
DATA_AS_OF = "data-as-of"
SCORECARD = "scorecard"
DOMAIN_CHARTS = "domain-charts"
DRILL_PANEL = "drill-panel"
INDICATOR_CONTENT = "indicator-content"
EXCEPTIONS_GRID = "exceptions-grid"
EXCEPTIONS_NOT_RATED = "exceptions-not-rated"
EXCEPTIONS_EXPORT = "exceptions-export"
EXCEPTIONS_SUMMARY = "exceptions-summary"
PAGE_DOMAIN = "page-domain"


def chart(indicator: str, dimension: str = "") -> dict:
    """A chart on a domain page: its indicator and (for breakdown charts) the dimension."""
    return {"type": "chart", "indicator": indicator, "dimension": dimension}


def nav_link(page: str) -> dict:
    return {"type": "nav-link", "page": page}
