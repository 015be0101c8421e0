"""Episodes from several years' returns joined into one history per child, and a child's episodes into
placements (or carers).

Stitching (``stitch_episodes``): episodes from several years' files are joined into one history per child.
Each repair is logged (file and row, never the child's id):

1. the same episode (child and start date) in two years' files: the later return's version is kept (logged
   when the two differ in anything but the end date and reason);
2. an exact duplicate row in one file is dropped;
3. an open episode followed by another: closed when the next begins (REC X1), or, when the next starts a new
   period of care (RNE S), the day before it and no later than 1 April after its own return's year;
4. an open episode in an earlier year's file of a child missing from the later returns: closed on 1 April
   after its year (still looked after at 31 March, as that return said), reason E99 "not recorded";
5. an episode that overlaps the next: ended when the next begins;
6. an episode ended with REC X1 ("next episode begins the same day") that leaves a gap: ended when the next
   begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dashboard.returns.common import (
    Repair,
)
from dashboard.returns.ssda903.tables import (
    NEW_CARER,
    NEW_PLACEMENT,
    REC_NOT_RECORDED,
    SHORT_BREAKS,
    TEMPORARY,
    year_end,
)

# Placement identity: a return from a temporary placement to the same one is not a new placement.
_SAME_PLACEMENT = ("PLACE", "PLACE_PROVIDER", "URN", "PL_POST")

# What makes two versions of one episode (same child and start) the same episode.
_EPISODE_CONTENT = ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "URN", "PL_POST")


def stitch_episodes(episodes: list[dict], latest_year: int) -> tuple[list[dict], list[Repair]]:
    """Join episodes from several years' returns into one history per child, repairing open, overlapping and
    duplicate episodes by the rules in the module docstring. Returns new dicts; the input is not changed."""
    repairs: list[Repair] = []
    by_key: dict[tuple[str, date], dict] = {}
    for e in sorted(episodes, key=lambda e: (e["YEAR"], e["_n"])):
        key = (e["CHILD"], e["DECOM"])
        prev = by_key.get(key)
        if prev is not None:
            if prev["YEAR"] == e["YEAR"]:
                repairs.append(Repair(e["where"], "duplicate", f"repeats {prev['where']} exactly; one copy kept"))
                continue
            changed = [c for c in _EPISODE_CONTENT if prev[c] != e[c]]
            if changed:
                repairs.append(
                    Repair(
                        prev["where"],
                        "replaced by a later return",
                        f"{e['where']} gives this episode with a different {', '.join(changed)}; "
                        f"the {e['YEAR']} return's version is kept",
                    )
                )
        by_key[key] = dict(e)
    out = sorted(by_key.values(), key=lambda e: (e["CHILD"], e["DECOM"]))
    for i, e in enumerate(out):
        nxt = out[i + 1] if i + 1 < len(out) and out[i + 1]["CHILD"] == e["CHILD"] else None
        if e["DEC"] is None and nxt is not None:
            if nxt["RNE"] == "S":
                e["DEC"] = min(nxt["DECOM"] - timedelta(days=1), year_end(e["YEAR"]) + timedelta(days=1))
                e["DEC"] = max(e["DEC"], e["DECOM"])
                e["REC"] = REC_NOT_RECORDED
                repairs.append(
                    Repair(
                        e["where"],
                        "open episode closed",
                        f"left open, but {nxt['where']} starts a new period of care; ended "
                        f"{e['DEC']:%d/%m/%Y}, reason not recorded",
                    )
                )
            else:
                e["DEC"], e["REC"] = nxt["DECOM"], "X1"
                repairs.append(
                    Repair(
                        e["where"],
                        "open episode closed",
                        f"left open, but {nxt['where']} follows it; ended when that began ({nxt['DECOM']:%d/%m/%Y})",
                    )
                )
        elif e["DEC"] is None and e["YEAR"] < latest_year:
            e["DEC"], e["REC"] = year_end(e["YEAR"]) + timedelta(days=1), REC_NOT_RECORDED
            repairs.append(
                Repair(
                    e["where"],
                    "open episode closed",
                    f"open at 31/03/{e['YEAR']} but the child is not in the later returns; ended "
                    f"{e['DEC']:%d/%m/%Y}, reason not recorded",
                )
            )
        if nxt is None or e["DEC"] is None:
            continue
        if e["DEC"] > nxt["DECOM"]:
            days = (e["DEC"] - nxt["DECOM"]).days
            e["DEC"] = nxt["DECOM"]
            repairs.append(
                Repair(
                    e["where"],
                    "overlap",
                    f"overlapped {nxt['where']} by {days} day"
                    f"{'s' if days > 1 else ''}; ended when that began ({nxt['DECOM']:%d/%m/%Y})",
                )
            )
        elif e["DEC"] < nxt["DECOM"] and e["REC"] == "X1":
            e["DEC"] = nxt["DECOM"]
            repairs.append(
                Repair(
                    e["where"],
                    "gap after X1",
                    f"REC X1 says the next episode began the same day, "
                    f"but {nxt['where']} begins {nxt['DECOM']:%d/%m/%Y}; ended then",
                )
            )
        elif e["DEC"] < nxt["DECOM"] and nxt["RNE"] != "S":
            repairs.append(
                Repair(
                    nxt["where"],
                    "gap",
                    f"care had ended on {e['DEC']:%d/%m/%Y} but this episode "
                    f"is not a new start (RNE {nxt['RNE']}); read as a new period of care",
                )
            )
    return out, repairs


@dataclass
class Spell:
    """One placement (or one carer, for the carer wording): from the episode that began it to the last one."""

    start: date
    end: date | None
    place: str
    period: int  # which period of care (0, 1, ...) of the child's known history
    known_start: bool  # False when it began before the earliest return read


def _same_placement(a: dict, b: dict) -> bool:
    return all(a.get(c, "") == b.get(c, "") for c in _SAME_PLACEMENT)


def placement_spells(child_episodes: list[dict], wording: str = "placement") -> list[Spell]:
    """A child's placements (or carers) in date order, from their stitched episodes. Short breaks (LS V3/V4) are
    left out; temporary placements (T0-T4) extend the placement they interrupt and are never one of their own."""
    changes = NEW_PLACEMENT if wording == "placement" else NEW_CARER
    spells: list[Spell] = []
    prev: dict | None = None
    last_placed: dict | None = None
    period = -1
    after_temporary = False
    for e in child_episodes:
        if e["LS"] in SHORT_BREAKS:
            continue
        new_period = prev is None or e["RNE"] == "S" or prev["DEC"] is None or prev["DEC"] < e["DECOM"]
        if new_period:
            period += 1
            last_placed = None
        if e["PLACE"] in TEMPORARY:
            if last_placed is not None:
                spells[-1].end = e["DEC"]  # the placement is held open while the child is away
            after_temporary = True
            prev = e
            continue
        if last_placed is None:
            begins = True
        elif after_temporary:
            begins = not _same_placement(e, last_placed)
        else:
            begins = e["RNE"] in changes
        if begins:
            known = not (prev is None and e["RNE"] != "S")
            spells.append(Spell(e["DECOM"], e["DEC"], e["PLACE"], period, known))
        else:
            spells[-1].end = e["DEC"]
            spells[-1].place = e["PLACE"]
        last_placed, prev, after_temporary = e, e, False
    return spells


def by_child(episodes: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in episodes:
        out.setdefault(e["CHILD"], []).append(e)
    return out


def open_at(eps: list[dict], d: date) -> dict | None:
    """The child's episode (not a short break) open at the end of day `d`."""
    for e in eps:
        if e["LS"] not in SHORT_BREAKS and e["DECOM"] <= d and (e["DEC"] is None or e["DEC"] > d):
            return e
    return None


def spell_at(spells: list[Spell], d: date) -> Spell | None:
    for s in spells:
        if s.start <= d and (s.end is None or s.end > d):
            return s
    return None


def period_start(eps: list[dict], current: dict) -> tuple[date, bool]:
    """When the period of care that includes `current` began (short breaks aside), and whether that is known
    (False when the child's earliest return read already finds them in care)."""
    care = [e for e in eps if e["LS"] not in SHORT_BREAKS]
    i = care.index(current)
    while i > 0:
        e, before = care[i], care[i - 1]
        if e["RNE"] == "S" or before["DEC"] is None or before["DEC"] < e["DECOM"]:
            return e["DECOM"], True
        i -= 1
    return care[i]["DECOM"], care[i]["RNE"] == "S"
