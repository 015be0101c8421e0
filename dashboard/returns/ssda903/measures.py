"""The official definitions of the looked-after and care leaver measures (rule version ``ssda903/1``).

Measures (one function each):

* ``children_looked_after``: children with an episode open at the end of 31 March (DEC blank or later),
  by placement type, age band, legal status, sex and ethnicity (snapshot period ``YYYY-03-31``).
* ``three_plus_placements``: of those children, the percentage with three or more placements during the year
  (placements in force at any time from 1 April to 31 March, counted as above).
* ``long_term_stability``: children under 16 at 31 March, looked after continuously for at least 2.5 years,
  who have been in the same placement (``wording='placement'``, the older wording) or with the same carer
  (``wording='carer'``, the current wording) for at least 2 years, or who are placed for adoption (PLACE A3-A6)
  and whose adoptive placement and the placement before it together last at least 2 years.
* ``care_leaver_outcomes``: OC3 care leavers by their age at their birthday in the year (17-18 and 19-21; the
  headline is 19-21): in touch (IN_TOUCH YES), in education, employment or training (ACTIV F*/P*; G* is NEET;
  0 is no information), in suitable accommodation (ACCOM ending 1; ending 2 is unsuitable; 0 is no
  information). Every OC3 row of the age is in the denominator, "no information" included.
"""

from __future__ import annotations

from datetime import date

from dashboard.returns.common import (
    ChildRow,
    Measured,
    age_band,
    age_in_years,
    count_figures,
    rate_figures,
)
from dashboard.returns.ssda903.stitching import (
    by_child,
    open_at,
    period_start,
    placement_spells,
    spell_at,
)
from dashboard.returns.ssda903.tables import (
    EET,
    ETHNIC_GROUPS,
    LEGAL_STATUS,
    PLACED_FOR_ADOPTION,
    PLACEMENT_TYPES,
    SEX_CODES,
    WORDINGS,
    Return903,
    year_end,
    year_start,
)
from data_access.periods import financial_year, snapshot

RULE_VERSION = "ssda903/1"


def _dims(ret: Return903, child: str, on: date, place: str | None = None) -> dict[str, str]:
    h = ret.header.get(child, {})
    d = {
        "age_band": age_band(h.get("DOB"), on),
        "sex": SEX_CODES.get(h.get("SEX", ""), "not_known"),
        "ethnicity": ETHNIC_GROUPS.get(h.get("ETHNIC", ""), "not_known"),
    }
    if place is not None:
        d["placement_type"] = PLACEMENT_TYPES.get(place, "other_placement")
    return d


def children_looked_after(ret: Return903, year: int | None = None) -> Measured:
    """Children looked after at 31 March (short breaks excluded), with their breakdowns."""
    year = year or ret.year
    ye = year_end(year)
    period = snapshot(ye).code
    out = Measured()
    items = []
    for child, eps in by_child(ret.episodes).items():
        e = open_at(eps, ye)
        if e is None:
            continue
        spell = spell_at(placement_spells(eps), ye)
        place = spell.place if spell else e["PLACE"]
        dims = {**_dims(ret, child, ye, place), "legal_status": LEGAL_STATUS[e["LS"]]}
        items.append(dims)
        start, _ = period_start(eps, e)
        out.children.append(
            ChildRow(
                "children_looked_after",
                period,
                child,
                dims["age_band"],
                True,
                start,
                None,
                {"LS": e["LS"], "PLACE": place},
            )
        )
    out.figures = count_figures(
        "children_looked_after", period, items, ("placement_type", "age_band", "legal_status", "sex", "ethnicity")
    )
    return out


def three_plus_placements(ret: Return903, year: int | None = None) -> Measured:
    """Children looked after at 31 March with three or more placements during the year, % of all of them."""
    year = year or ret.year
    ys, ye = year_start(year), year_end(year)
    period = financial_year(year - 1).code
    out = Measured()
    flags = []
    for child, eps in by_child(ret.episodes).items():
        if open_at(eps, ye) is None:
            continue
        spells = placement_spells(eps, "placement")
        in_year = [s for s in spells if s.start <= ye and (s.end is None or s.end > ys)]
        current = spell_at(spells, ye)
        dims = _dims(ret, child, ye, current.place if current else None)
        counted = len(in_year) >= 3
        flags.append((counted, dims))
        out.children.append(
            ChildRow(
                "cla_3_plus_placements_pct",
                period,
                child,
                dims["age_band"],
                counted,
                in_year[0].start if in_year else None,
                None,
                {"placements": str(len(in_year))},
            )
        )
    out.figures = rate_figures(
        "cla_3_plus_placements_pct", period, flags, ("age_band", "sex", "ethnicity", "placement_type")
    )
    return out


def long_term_stability(ret: Return903, year: int | None = None, wording: str = "placement") -> Measured:
    """Children under 16 looked after for 2.5+ years, in the same placement (or with the same carer) for 2+
    years or placed for adoption (with the placement before it, 2+ years), % of such children."""
    if wording not in WORDINGS:
        raise ValueError(f"wording is 'placement' or 'carer', not {wording!r}")
    year = year or ret.year
    ye = year_end(year)
    in_care_since = date(year - 3, 9, 30)  # 2.5 years before 31 March
    placed_since = date(year - 2, 3, 31)  # 2 years before 31 March
    period = financial_year(year - 1).code
    out = Measured()
    flags = []
    unknown = 0
    for child, eps in by_child(ret.episodes).items():
        e = open_at(eps, ye)
        dob = ret.header.get(child, {}).get("DOB")
        if e is None or dob is None or age_in_years(dob, ye) >= 16:
            continue
        start, known = period_start(eps, e)
        if start > in_care_since:
            if not known:
                unknown += 1  # in care before the earliest return read: cannot tell how long
            continue
        spells = placement_spells(eps, wording)
        current = spell_at(spells, ye)
        if current is None:
            continue
        counted = current.start <= placed_since
        if not counted and current.place in PLACED_FOR_ADOPTION:
            i = spells.index(current)
            before = spells[i - 1] if i > 0 else None
            counted = (
                before is not None
                and before.period == current.period
                and before.end == current.start
                and before.start <= placed_since
            )
        dims = _dims(ret, child, ye, current.place)
        flags.append((counted, dims))
        out.children.append(
            ChildRow(
                "cla_long_term_stability_pct",
                period,
                child,
                dims["age_band"],
                counted,
                current.start,
                None,
                {"wording": wording, "PLACE": current.place},
            )
        )
    out.figures = rate_figures(
        "cla_long_term_stability_pct", period, flags, ("age_band", "sex", "ethnicity", "placement_type")
    )
    if unknown:
        out.notes.append(
            f"{unknown} children under 16 were already in care at the start of the earliest Episodes "
            "file read, less than 2.5 years before 31 March; they are left out of long-term "
            "stability (add earlier years' Episodes files to include them)"
        )
    return out


CARE_LEAVER_MEASURES = {
    "care_leavers_in_touch_pct": lambda r: r["IN_TOUCH"] == "YES",
    "care_leavers_eet_pct": lambda r: r["ACTIV"] in EET,
    "care_leavers_suitable_accommodation_pct": lambda r: r["ACCOM"] != "0" and r["ACCOM"].endswith("1"),
}


def care_leaver_band(age: int) -> str:
    return "17_to_18" if age <= 18 else "19_to_21"


def care_leaver_outcomes(ret: Return903, year: int | None = None) -> Measured:
    """Care leavers in touch, in education/employment/training and in suitable accommodation (OC3): headline
    for 19-21 year olds; age_band 17_to_18 and 19_to_21; sex and ethnicity for 19-21."""
    year = year or ret.year
    period = financial_year(year - 1).code
    out = Measured()
    for code, meets in CARE_LEAVER_MEASURES.items():
        headline, bands = [], []
        for r in ret.oc3:
            band = care_leaver_band(r["AGE"])
            counted = bool(meets(r))
            dims = _dims(ret, r["CHILD"], year_end(year))
            bands.append((counted, {"age_band": band}))
            if band == "19_to_21":
                headline.append((counted, {"sex": dims["sex"], "ethnicity": dims["ethnicity"]}))
            out.children.append(
                ChildRow(
                    code,
                    period,
                    r["CHILD"],
                    band,
                    counted,
                    None,
                    None,
                    {"IN_TOUCH": r["IN_TOUCH"], "ACTIV": r["ACTIV"], "ACCOM": r["ACCOM"]},
                )
            )
        figs = rate_figures(code, period, headline, ("sex", "ethnicity"))
        figs += [f for f in rate_figures(code, period, bands, ("age_band",)) if f.breakdown_dimension]
        out.figures += figs
    return out


def compute(ret: Return903, wording: str = "placement") -> Measured:
    """Every 903 measure for the return's year."""
    out = Measured()
    out += children_looked_after(ret)
    out += three_plus_placements(ret)
    out += long_term_stability(ret, wording=wording)
    out += care_leaver_outcomes(ret)
    return out


def sources(ret: Return903) -> dict[str, str]:
    """The file each indicator is computed from (its observations' source_document)."""
    episodes, oc3 = ret.file_name("Episodes"), ret.file_name("OC3")
    return {
        "children_looked_after": episodes,
        "cla_3_plus_placements_pct": episodes,
        "cla_long_term_stability_pct": episodes,
        **dict.fromkeys(CARE_LEAVER_MEASURES, oc3),
    }
