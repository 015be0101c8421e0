"""The area registry, built from the DfE's official files: England, the regions and every local authority.

Every row of an Explore Education Statistics file names its area: `geographic_level` (National, Regional, Local
authority), `region_code`/`region_name`, and for an authority `old_la_code` (the DfE's three-digit number),
`new_la_code` (the ONS code) and `la_name`. `build_areas` gathers those columns from all the files and makes one
`OfficialArea` for England, one for each region (the nine regions plus Inner and Outer London) and one for each
children's services authority.

An authority is keyed by its DfE number, not its ONS code: the DfE keeps the number when only the ONS code changes (a
county council becoming a unitary council, as North Yorkshire and Somerset did in 2023, or a boundary change, as for
Gateshead, Northumberland, Barnsley and Sheffield), and the files of one year can use the old code in one
publication and the new in another. The area keeps its latest ONS code in `new_la_code` and the others in
`former_ons_codes`. A new authority (a new DfE number) is a new area.

Area codes: England is `england`; a region is a slug of its name (`north_east`, `london`, `inner_london`); an
authority whose ONS code (current or former) is already in dashboard/dataset/areas.yaml keeps that entry's code
(`havering`, `hammersmith_fulham`, ...); any other authority gets a slug of its latest name (`city_of_london`,
`kingston_upon_hull_city_of`). Two authorities with the same slug (the Dorset county council to 2019 and the Dorset
unitary council from 2019) are told apart deterministically: the one still reporting in the latest year keeps the
plain slug (`dorset`), each other one gets `_to_<last year>` (`dorset_to_2019`), and the DfE number is added only if
that is still not unique. A joint return of two authorities (Kingston upon Thames with Richmond upon Thames, and North
with West Northamptonshire, in the workforce census) is an area of its own, listing its members.

Successors: which new authority replaced which old ones cannot be derived from the files alone (Dorset county went
partly to Dorset, partly to Bournemouth, Christchurch and Poole), so the pairs are stated in `reorganisations.yaml`,
citing the structural changes order for each. `build_areas` derives from the files every pair that *could* be a
succession (an authority stops reporting, within a year of another starting in the same region) and refuses a stated
pair the files do not show.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dashboard.official import OFFICIAL_DIR

KINDS = ("england", "region", "local_authority")
GEO_COLUMNS = ["time_period", "geographic_level", "region_code", "region_name", "old_la_code", "new_la_code", "la_name"]
NATIONAL, REGIONAL, LOCAL = "National", "Regional", "Local authority"
ENGLAND_ONS = "E92000001"
LONDON_ONS = "E12000007"
INNER_OUTER_LONDON = ("E13000001", "E13000002")
REGISTRY_AREAS = Path(__file__).resolve().parents[1] / "dataset" / "areas.yaml"
REORGANISATIONS = OFFICIAL_DIR / "reorganisations.yaml"
_NOT_VALUES = ("time_identifier", "country_code", "country_name")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: the same, faster


class AreaError(ValueError):
    """The official files or reorganisations.yaml do not describe the areas consistently."""


class UnknownAreaError(LookupError):
    """A name given for an area matches no area; `suggestions` holds the nearest codes."""

    def __init__(self, text: str, suggestions: list[str], message: str):
        super().__init__(message)
        self.text = text
        self.suggestions = suggestions


@dataclass(frozen=True)
class OfficialArea:
    """One area as the official files show it.

    `new_la_code` is the latest ONS code (for England and the regions, the country or region code the files give in
    `country_code`/`region_code`); `old_la_code` the DfE number (None for England and the regions; "314 / 318" for a
    joint return). `region` is the code of the region area (London for Inner and Outer London and their boroughs),
    `sub_region` `inner_london` or `outer_london` for a London borough. Years are the files' `time_period`s.
    """

    code: str
    name: str
    kind: str
    new_la_code: str | None
    old_la_code: str | None
    region: str | None
    first_year: int
    last_year: int
    sub_region: str | None = None
    former_ons_codes: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    replaced_by: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    note: str = ""

    def as_row(self) -> dict:
        """A flat dict for a table or CSV (tuples joined with spaces)."""
        row = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("former_ons_codes", "replaces", "replaced_by", "members"):
            row[k] = " ".join(row[k])
        return row


@dataclass(frozen=True)
class Succession:
    """A stated reorganisation: `successor` (DfE number) replaced `replaces` from `start`, under `legislation`."""

    successor: str
    replaces: tuple[str, ...]
    start: str
    legislation: str


@dataclass(frozen=True)
class Reorganisations:
    successions: tuple[Succession, ...] = ()
    recoded: dict[str, str] = field(default_factory=dict)  # DfE number -> legislation and date, in words


def slug(name: str) -> str:
    """A lower-case code from a name: `Bristol, City of` -> `bristol_city_of`, `Hammersmith & Fulham` -> ..."""
    s = name.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def load_reorganisations(path: Path = REORGANISATIONS) -> Reorganisations:
    """Read reorganisations.yaml."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    succ = tuple(
        Succession(str(e["successor"]), tuple(str(x) for x in e["replaces"]), str(e["from"]), e["legislation"])
        for e in raw.get("successions") or []
    )
    recoded = {str(e["authority"]): f"{e['legislation']} (from {e['from']})" for e in raw.get("recoded") or []}
    return Reorganisations(succ, recoded)


def registry_codes(path: Path = REGISTRY_AREAS) -> dict[str, str]:
    """ONS code -> area code of the areas the dashboard already knows (so their codes stay as they are)."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    return {a["ons_code"]: a["code"] for a in raw.get("areas") or [] if a.get("ons_code")}


def geography(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The distinct area columns (GEO_COLUMNS, time_period as int) of several official frames, one table, with
    `reports`: True where some row of the area and year holds a number.

    The looked-after files carry a row for every authority in every year, the abolished and the not-yet-created
    ones filled with `z` (not applicable) and `x`: an area's years are the years it reports a figure.
    """
    parts = []
    for f in frames:
        values = [c for c in f.columns if c not in GEO_COLUMNS and c not in _NOT_VALUES]
        reports = np.zeros(len(f), dtype=bool)
        for c in values:
            reports |= pd.to_numeric(f[c], errors="coerce").notna().to_numpy()  # in C, not a regex per cell
        part = f[GEO_COLUMNS].assign(reports=reports)
        parts.append(part.groupby(GEO_COLUMNS, sort=False, as_index=False)["reports"].any())
    if not parts:
        return pd.DataFrame(columns=[*GEO_COLUMNS, "reports"])
    g = pd.concat(parts, ignore_index=True)
    g = g.groupby(GEO_COLUMNS, sort=False, as_index=False)["reports"].any()
    g["time_period"] = g["time_period"].astype(int)
    return g


def build_areas(
    geo: pd.DataFrame, reorganisations: Reorganisations | None = None, known_codes: Mapping[str, str] | None = None
) -> list[OfficialArea]:
    """Build the area registry from `geography(...)` of the official files; see the module docstring for the rules.

    Returns England, then the regions in ONS code order, then the authorities in DfE number order.
    """
    reorganisations = reorganisations if reorganisations is not None else load_reorganisations()
    known_codes = dict(known_codes if known_codes is not None else registry_codes())
    if geo.empty:
        return []
    if "reports" in geo.columns:
        # an area's years are those it reports a figure in; an area that never does keeps all its rows
        reporting = geo["reports"].astype(bool)
        keys = ["geographic_level", "region_code", "old_la_code"]
        silent = ~geo.assign(r=reporting).groupby(keys)["r"].transform("any")
        geo = geo[reporting | silent]
    levels = set(geo["geographic_level"])
    if unknown := levels - {NATIONAL, REGIONAL, LOCAL}:
        raise AreaError(f"geographic_level {sorted(unknown)!r} is not one of National, Regional, Local authority")
    years = geo["time_period"]
    max_year = int(years.max())
    areas: list[OfficialArea] = []

    nat = geo[geo["geographic_level"] == NATIONAL]
    if not nat.empty:
        areas.append(
            OfficialArea(
                known_codes.get(ENGLAND_ONS, "england"),
                "England",
                "england",
                ENGLAND_ONS,
                None,
                None,
                int(nat["time_period"].min()),
                int(nat["time_period"].max()),
            )
        )

    reg = geo[geo["geographic_level"] == REGIONAL]
    region_code_of: dict[str, str] = {}  # region ONS code -> area code
    for ons, rows in sorted(reg.groupby("region_code"), key=lambda kv: kv[0]):
        names = rows.sort_values("time_period")["region_name"].unique()
        name = names[-1]
        code = known_codes.get(ons) or slug(name)
        region_code_of[ons] = code
    london = region_code_of.get(LONDON_ONS, "london")
    for ons, rows in sorted(reg.groupby("region_code"), key=lambda kv: kv[0]):
        name = rows.sort_values("time_period")["region_name"].iloc[-1]
        parent = london if ons in INNER_OUTER_LONDON else None
        areas.append(
            OfficialArea(
                region_code_of[ons],
                name,
                "region",
                ons,
                None,
                parent,
                int(rows["time_period"].min()),
                int(rows["time_period"].max()),
            )
        )

    las = geo[geo["geographic_level"] == LOCAL].sort_values(["old_la_code", "time_period"], kind="stable")
    if (las["old_la_code"] == "").any():
        raise AreaError("a local authority row has no old_la_code (DfE number)")
    # one pass over all authorities: years per ONS code, the latest name, the regions each is shown in
    by_code = (
        las.groupby(["old_la_code", "new_la_code"])["time_period"]
        .agg(["min", "max"])
        .reset_index()
        .sort_values(["old_la_code", "max", "min", "new_la_code"])
    )
    codes_of = {n: list(g["new_la_code"]) for n, g in by_code.groupby("old_la_code", sort=False)}
    years = las.groupby("old_la_code")["time_period"].agg(["min", "max"])
    latest_name = las.groupby("old_la_code")["la_name"].last()
    shown_in = las.drop_duplicates(["old_la_code", "region_code"])
    regions_of = {
        n: dict(zip(g["region_code"], g["region_name"], strict=True))
        for n, g in shown_in.groupby("old_la_code", sort=False)
    }
    drafts = []
    for number in sorted(codes_of):
        ons_codes = codes_of[number]
        # the current ONS code: the one seen latest; of two seen in the same last year, the one that started later
        current = ons_codes[-1]
        former = tuple(sorted(set(ons_codes) - {current}))
        name = latest_name[number]
        # the region as the authority's own rows name it (a file may hold no row for the region itself)
        regions = regions_of[number]

        def region(ons: str, regions: dict = regions) -> str:
            return region_code_of.get(ons) or known_codes.get(ons) or slug(regions[ons])

        main = {london if r in INNER_OUTER_LONDON else region(r) for r in regions}
        if "" in regions or len(main) != 1:
            raise AreaError(f"authority {number} ({name}) is shown in regions {sorted(regions)}")
        inner_outer = sorted(r for r in regions if r in INNER_OUTER_LONDON)
        drafts.append(
            {
                "number": number,
                "name": name,
                "ons": current,
                "former": former,
                "region": main.pop(),
                "sub_region": region(inner_outer[-1]) if inner_outer else None,
                "first": int(years.at[number, "min"]),
                "last": int(years.at[number, "max"]),
            }
        )

    codes = _authority_codes(drafts, known_codes, max_year, {a.code for a in areas})
    by_number = {d["number"]: d for d in drafts}
    replaces, replaced_by, notes = _successions(by_number, reorganisations, max_year)
    for d in drafts:
        n = d["number"]
        members = tuple(codes[m.strip()] for m in n.split("/") if m.strip() in codes) if "/" in n else ()
        note = list(notes.get(n, []))
        if members:
            note.append(
                "A joint return for "
                + " and ".join(by_number[m.strip()]["name"] for m in n.split("/") if m.strip() in by_number)
                + "."
            )
        if d["former"]:
            why = reorganisations.recoded.get(n)
            note.append(
                f"ONS code changed from {', '.join(d['former'])} to {d['ons']}"
                + (f" under {why}" if why else "")
                + "; the DfE number stayed the same."
            )
        areas.append(
            OfficialArea(
                code=codes[n],
                name=d["name"],
                kind="local_authority",
                new_la_code=d["ons"],
                old_la_code=n,
                region=d["region"],
                first_year=d["first"],
                last_year=d["last"],
                sub_region=d["sub_region"],
                former_ons_codes=d["former"],
                replaces=tuple(codes[p] for p in replaces.get(n, ())),
                replaced_by=tuple(codes[s] for s in replaced_by.get(n, ())),
                members=members,
                note=" ".join(note),
            )
        )
    return areas


def _authority_codes(drafts: list[dict], known: Mapping[str, str], max_year: int, taken: set[str]) -> dict[str, str]:
    """DfE number -> area code: the registry's code where an ONS code matches, else a slug told apart by years."""
    codes: dict[str, str] = {}
    by_slug: dict[str, list[dict]] = {}
    for d in drafts:
        hit = [known[o] for o in (d["ons"], *d["former"]) if o in known]
        if hit:
            codes[d["number"]] = hit[0]
        else:
            by_slug.setdefault(slug(d["name"]), []).append(d)
    taken = set(taken) | set(codes.values())
    for s, group in sorted(by_slug.items()):
        if len(group) == 1 and s not in taken:
            codes[group[0]["number"]] = s
            taken.add(s)
            continue
        for d in sorted(group, key=lambda d: (d["last"], d["number"])):
            code = s if d["last"] == max_year and s not in taken else f"{s}_to_{d['last']}"
            if code in taken:
                code = f"{code}_{d['number']}"
            codes[d["number"]] = code
            taken.add(code)
    return codes


def candidate_successions(by_number: Mapping[str, dict], max_year: int) -> set[tuple[str, str]]:
    """(predecessor, successor) DfE-number pairs the files allow: in the same region, the predecessor stops
    reporting within a year of the successor's first year, and the successor starts no earlier and reports later."""
    single = {n: d for n, d in by_number.items() if "/" not in n}
    stopped = [d for d in single.values() if d["last"] < max_year]
    pairs = set()
    for p in stopped:
        for s in single.values():
            if (
                s["number"] != p["number"]
                and s["region"] == p["region"]
                and s["first"] >= p["first"]
                and s["last"] > p["last"]
                and abs(s["first"] - p["last"]) <= 1
            ):
                pairs.add((p["number"], s["number"]))
    return pairs


def _successions(by_number: Mapping[str, dict], reorganisations: Reorganisations, max_year: int):
    candidates = candidate_successions(by_number, max_year)
    replaces: dict[str, list[str]] = {}
    replaced_by: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    for s in reorganisations.successions:
        if s.successor not in by_number:
            continue  # the files read do not include the successor: nothing to link
        for p in s.replaces:
            if p not in by_number:
                continue
            if (p, s.successor) not in candidates:
                pd_, sd = by_number[p], by_number[s.successor]
                raise AreaError(
                    f"reorganisations.yaml says {sd['name']} ({s.successor}) replaced {pd_['name']} ({p}), but the "
                    f"files show {pd_['name']} {pd_['first']}-{pd_['last']} and {sd['name']} {sd['first']}-"
                    f"{sd['last']} (regions {pd_['region']}, {sd['region']})"
                )
            replaces.setdefault(s.successor, []).append(p)
            replaced_by.setdefault(p, []).append(s.successor)
        names = ", ".join(by_number[p]["name"] for p in s.replaces if p in by_number)
        notes.setdefault(s.successor, []).append(f"Replaced {names} from {s.start} ({s.legislation}).")
    for p, succ in replaced_by.items():
        names = ", ".join(by_number[s]["name"] for s in succ)
        notes.setdefault(p, []).append(f"Replaced by {names}.")
    return replaces, replaced_by, notes


def _index(areas: Iterable[OfficialArea] | Mapping[str, OfficialArea]) -> list[OfficialArea]:
    return list(areas.values()) if isinstance(areas, Mapping) else list(areas)


def area_lookup(areas: Iterable[OfficialArea] | Mapping[str, OfficialArea]) -> dict[str, OfficialArea]:
    """Every accepted spelling, lower-cased -> area: our code, the ONS code (current and former), the DfE number."""
    out: dict[str, OfficialArea] = {}
    for a in _index(areas):
        for key in (a.code, a.new_la_code, *a.former_ons_codes, a.old_la_code):
            if key:
                out.setdefault(key.lower(), a)
    return out


def resolve_area(text: str, areas: Iterable[OfficialArea] | Mapping[str, OfficialArea]) -> OfficialArea:
    """The area named by `text`: our code, its ONS code or its DfE number, any case, spaces around ignored.

    Anything else raises UnknownAreaError whose message suggests the nearest areas ("did you mean havering
    (Havering)?"), matched against names as well as codes.
    """
    pool = _index(areas)
    key = " ".join(str(text or "").split()).lower()
    found = area_lookup(pool).get(key)
    if found is not None:
        return found
    choices: dict[str, OfficialArea] = {}
    for a in pool:
        choices.setdefault(a.code.lower(), a)
        choices.setdefault(a.name.lower(), a)
    guesses: list[OfficialArea] = []
    for probe in (key, slug(key)):
        for m in difflib.get_close_matches(probe, list(choices), n=5, cutoff=0.6):
            if choices[m] not in guesses:
                guesses.append(choices[m])
    # a part of a name ("northamptonshire") also suggests the areas whose names contain it
    for a in pool:
        if len(key) >= 4 and key in a.name.lower() and a not in guesses:
            guesses.append(a)
    suggestions = [a.code for a in guesses[:5]]
    hint = ("; did you mean " + ", ".join(f"{a.code} ({a.name})" for a in guesses[:5]) + "?") if guesses else ""
    raise UnknownAreaError(
        text,
        suggestions,
        f"unknown area {text!r}: give an area code, an ONS code (E09000016) or a DfE number (311){hint}",
    )
