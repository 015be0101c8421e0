"""Front-door and child protection indicators computed from Ofsted Annex A lists (rule version ``annex-a/1``).

* ``files``: reading the workbook, finding each list's sheet and each field's column by tolerant header matching;
* ``codes``: sources, categories of abuse and yes/no as councils write them;
* ``checks``: the checks on every cell and row, naming the sheet, row and column of each error;
* ``stitching``: the window of months the lists cover, and each child's events across the lists;
* ``measures``: the official definitions, one function each (`compute` runs them all).

Every public name is importable from this package, as it was from the single module it replaces.
"""

from dashboard.returns.annex_a.checks import (
    check_list,
    read_value,
)
from dashboard.returns.annex_a.codes import (
    CATEGORIES,
    NO,
    SOURCE_GROUPS,
    YES,
    category,
    normalise,
    source_group,
)
from dashboard.returns.annex_a.files import (
    FIELDS,
    LIST_NAMES,
    AnnexA,
    list_number,
    match_headers,
    read_annex_a,
)
from dashboard.returns.annex_a.measures import (
    ASSESSMENT_WORKING_DAYS,
    CONTACT_TO_REFERRAL_WORKING_DAYS,
    ICPC_WORKING_DAYS,
    RULE_VERSION,
    assessments_in_time,
    compute,
    contacts,
    contacts_to_referral,
    cp_plans,
    icpcs_in_time,
    is_re_referral,
    re_referrals,
    referrals,
    referrals_nfa,
)
from dashboard.returns.annex_a.stitching import (
    Window,
    dates_by_child,
    month_code,
    rows_of,
    window_days,
    window_of,
)

__all__ = [
    "ASSESSMENT_WORKING_DAYS",
    "AnnexA",
    "CATEGORIES",
    "CONTACT_TO_REFERRAL_WORKING_DAYS",
    "FIELDS",
    "ICPC_WORKING_DAYS",
    "LIST_NAMES",
    "NO",
    "RULE_VERSION",
    "SOURCE_GROUPS",
    "Window",
    "YES",
    "assessments_in_time",
    "category",
    "check_list",
    "compute",
    "contacts",
    "contacts_to_referral",
    "cp_plans",
    "dates_by_child",
    "icpcs_in_time",
    "is_re_referral",
    "list_number",
    "match_headers",
    "month_code",
    "normalise",
    "re_referrals",
    "read_annex_a",
    "read_value",
    "referrals",
    "referrals_nfa",
    "rows_of",
    "source_group",
    "window_days",
    "window_of",
]
