"""Component ids, defined once. Pattern-matching ids are built by the functions below."""

URL = "url"
SHELL = "shell"
NAV = "main-nav"
MEETING_LINK = "meeting-link"
VIEW = "view-state"  # per page: {"board", "area", "period", "meeting"} read from the URL
VIEW_NOTICE = "view-notice"  # says when the address named a board, area or period that does not exist
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


# Commentary and challenges (indicator page)
COMMENTARY_VIEW = "commentary-view"
COMMENTARY_TEXT = "commentary-text"
COMMENTARY_SAVE = "commentary-save"
COMMENTARY_STATUS = "commentary-status"
COMMENTARY_TARGET = "commentary-target"  # {"indicator", "area", "period", "version"}
COMMENTARY_REFRESH = "commentary-refresh"
CHALLENGE_QUESTION = "challenge-question"
CHALLENGE_OWNER = "challenge-owner"
CHALLENGE_DUE = "challenge-due"
CHALLENGE_MEETING = "challenge-meeting"
CHALLENGE_SUBMIT = "challenge-submit"
CHALLENGE_STATUS = "challenge-status"
CHALLENGE_TARGET = "challenge-target"  # {"indicator", "area", "period"}
CHALLENGE_REFRESH = "challenge-refresh"
INDICATOR_CHALLENGES = "indicator-challenges"
INDICATOR_DRAFT = "indicator-draft"
USE_DRAFT = "use-draft"

# The challenge log page
CHALLENGES_GRID = "challenges-grid"
CHALLENGES_STATUS_FILTER = "challenges-status-filter"
CHALLENGES_OWNER_FILTER = "challenges-owner-filter"
CHALLENGES_DOMAIN_FILTER = "challenges-domain-filter"
CHALLENGES_MEETING_FILTER = "challenges-meeting-filter"
CHALLENGES_EXPORT = "challenges-export"
CHALLENGES_SUMMARY = "challenges-summary"
CHALLENGES_REFRESH = "challenges-refresh"
CHALLENGE_DETAIL = "challenge-detail"
CHALLENGE_SELECTED = "challenge-selected"  # {"id", "version"}
CHALLENGE_RESPONSE = "challenge-response"
CHALLENGE_EDIT_QUESTION = "challenge-edit-question"
CHALLENGE_ACTION_STATUS = "challenge-action-status"
DRAFTS = "drafts"
DRAFTS_STATUS = "drafts-status"

# Board pack
PACK_DOWNLOAD = "pack-download"
PACK_BUTTON = "pack-button"
PACK_STATUS = "pack-status"


def challenge_action(action: str) -> dict:
    return {"type": "challenge-action", "action": action}


def draft_field(field: str, key: str) -> dict:
    return {"type": f"draft-{field}", "key": key}


DRAFT_TEXT = "draft-text"
CHALLENGE_EDIT_SAVE = "challenge-edit-save"
CHILD_ROWS = "child-rows"

# Board business (meetings, attendance, actions)
BOARD_REFRESH = "board-refresh"
BOARD_ATTENDANCE = "board-attendance"
BOARD_RULE_INPUT = "board-rule-input"
BOARD_RULE_SAVE = "board-rule-save"
BOARD_RULE_STATUS = "board-rule-status"
BOARD_ACTIONS = "board-actions"
BOARD_RECORD_DATE = "board-record-date"
BOARD_RECORD_KIND = "board-record-kind"
BOARD_RECORD_GRID = "board-record-grid"
BOARD_RECORD_SAVE = "board-record-save"
BOARD_RECORD_STATUS = "board-record-status"
BOARD_AGENCY_NAME = "board-agency-name"
BOARD_AGENCY_ADD = "board-agency-add"
BOARD_AGENCY_FORM = "board-agency-form"
BOARD_ACTION_STATUS = "board-action-status"


def board_mark(field: str, agency: str) -> dict:
    return {"type": f"board-{field}", "agency": agency}


def board_action(field: str, action_id: int) -> dict:
    return {"type": f"board-action-{field}", "action": action_id}
