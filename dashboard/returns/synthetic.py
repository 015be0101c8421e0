"""Seeded synthetic SSDA903 and Annex A files, for tests, demonstrations and the benchmark.

Nothing here is about a real child. Every file says so: its name starts ``SYNTHETIC_``, every table has a
``SYNTHETIC`` marker column, each workbook opens on a README sheet, and the folder gets a README_SYNTHETIC.txt.
Ids start ``SYN``; UPNs are the DfE "unknown UPN" code UN1; placement postcodes are left empty. The files are never
written into the bundled dataset folder.

Volumes and mixes are of the order of an outer London borough the size of Havering (about 60,000 children):
roughly 120 children starting to be looked after a year and 200-250 looked after at 31 March; 50-60 care leavers
of each age from 17 to 21; 10,000 contacts, 2,400 referrals, 2,200 assessments, 800 section 47 enquiries, 280
initial conferences and 250 child protection plans a year. The same seed always gives the same content.

The 903 files cover four collection years (so the long-term stability measure has its history) and carry a few
of the faults real returns have - a duplicated row, an episode left open, an overlap - for the stitching rules to
repair.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dashboard.returns.common import add_years, age_in_years
from dashboard.returns.ssda903 import TABLE_COLUMNS, year_end, year_start
from dashboard.returns.working_days import add_working_days

MARKER_COLUMN = "SYNTHETIC"
MARKER = "synthetic: not a real child"
PREFIX = "SYNTHETIC_"
ETHNIC_MIX = [
    ("WBRI", 52),
    ("WOTH", 8),
    ("WIRI", 1),
    ("WROM", 1),
    ("MWBC", 4),
    ("MWBA", 3),
    ("MWAS", 2),
    ("MOTH", 3),
    ("AIND", 2),
    ("APKN", 2),
    ("ABAN", 2),
    ("AOTH", 2),
    ("BAFR", 9),
    ("BCRB", 3),
    ("BOTH", 2),
    ("CHNE", 1),
    ("OOTH", 2),
    ("NOBT", 1),
]
ETHNIC_WORDS = {
    "WBRI": "a) WBRI",
    "WOTH": "d) WOTH",
    "WIRI": "b) WIRI",
    "WROM": "e) WROM",
    "MWBC": "f) MWBC",
    "MWBA": "g) MWBA",
    "MWAS": "h) MWAS",
    "MOTH": "i) MOTH",
    "AIND": "j) AIND",
    "APKN": "k) APKN",
    "ABAN": "l) ABAN",
    "AOTH": "m) AOTH",
    "BCRB": "n) BCRB",
    "BAFR": "o) BAFR",
    "BOTH": "p) BOTH",
    "CHNE": "q) CHNE",
    "OOTH": "r) OOTH",
    "NOBT": "s) NOBT",
}


def _refuse_dataset_folder(out: Path) -> None:
    from dashboard.reference.registry import DATASET_DIR

    target = out.resolve()
    if target == DATASET_DIR.resolve() or DATASET_DIR.resolve() in target.parents:
        raise ValueError("synthetic files are never written into the bundled dataset folder; choose another folder")


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _dmy(d: date | None) -> str:
    return "" if d is None else f"{d:%d/%m/%Y}"


def _days(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _readme(out: Path, what: str, seed: int) -> None:
    (out / "README_SYNTHETIC.txt").write_text(
        f"SYNTHETIC DATA - not real children.\n\nThese files were made by `board-dashboard synthetic-returns` "
        f"(seed {seed}) for tests and demonstrations: {what}.\nEvery file name starts {PREFIX} and every table has "
        f"a {MARKER_COLUMN} column. Do not load them into a board's live database.\n",
        encoding="utf-8",
    )


# ------------------------------------------------------------------ SSDA903


@dataclass
class _Child:
    id: str
    dob: date
    sex: str
    ethnic: str


def _placement_for(rng: random.Random, age: int) -> str:
    if age >= 16:
        return _pick(rng, [("U6", 40), ("H5", 25), ("K3", 15), ("K2", 15), ("P2", 5)])
    if age >= 11:
        return _pick(rng, [("U6", 55), ("U4", 10), ("U3", 10), ("K2", 17), ("S1", 4), ("P1", 4)])
    return _pick(rng, [("U6", 70), ("U4", 8), ("U3", 14), ("P1", 5), ("R3", 3)])


def _care_history(rng: random.Random, child: _Child, entry: date, urn: list[int]) -> list[dict]:
    """One period of care as 903 episodes (no end date when still looked after)."""
    age = age_in_years(child.dob, entry)
    r = rng.random()
    if r < 0.35:
        length = int(rng.expovariate(1 / 70)) + 3
    elif r < 0.72:
        length = int(rng.expovariate(1 / 450)) + 30
    else:
        length = int(365 * rng.uniform(2.5, 9))
    adopt = age < 4 and rng.random() < 0.35
    end = min(entry + timedelta(days=length), add_years(child.dob, 18))
    if adopt:
        end = entry + timedelta(days=rng.randint(500, 800))
    if end <= entry:
        end = entry + timedelta(days=3)
    ls = "J1" if age >= 12 and rng.random() < 0.05 else _pick(rng, [("V2", 55), ("C1", 35), ("L2", 5), ("L1", 5)])
    if adopt:
        ls = "C1"

    def new_urn() -> str:
        urn[0] += 1
        return f"SYN{urn[0]:05d}"

    place = "U6" if adopt else _placement_for(rng, age)
    current = {
        "RNE": "S",
        "LS": ls,
        "PLACE": place,
        "PLACE_PROVIDER": "PR1" if place[0] == "U" else "PR4",
        "URN": new_urn(),
        "CIN": _pick(rng, [("N1", 60), ("N4", 10), ("N5", 12), ("N2", 4), ("N8", 8), ("N3", 6)]),
    }
    events: list[tuple[date, str]] = []
    if ls in ("L1", "L2"):
        events.append((entry + timedelta(days=rng.randint(2, 8)), "legal:C1"))
    if ls in ("C1", "L1", "L2") or (ls == "V2" and rng.random() < 0.2):
        events.append((entry + timedelta(days=rng.randint(90, 330)), "legal:C2"))
    if adopt:
        events.append((entry + timedelta(days=rng.randint(360, 420)), "legal:E1"))
        events.append((entry + timedelta(days=rng.randint(430, 480)), "adopt"))
    t = entry
    settled = rng.random() < 0.85  # most children who stay in care settle after the first year or so
    while True:
        mean = 300 if age >= 11 else 420
        if settled and t - entry > timedelta(days=300):
            mean = 5000
        t += timedelta(days=int(rng.expovariate(1 / mean)) + 20)
        if t >= end or (adopt and t > entry + timedelta(days=300)):
            break
        events.append((t, "move"))
        if rng.random() < 0.06:
            events.append((t - timedelta(days=rng.randint(10, 15)), "temp"))
    events.sort()
    eps: list[dict] = []
    start = entry
    used: set[date] = {entry}
    for when, what in events:
        if when >= end or when <= start or when in used or when - timedelta(days=1) in used:
            continue
        used.add(when)
        eps.append({**current, "DECOM": start, "DEC": when, "REC": "X1"})
        start = when
        if what.startswith("legal:"):
            current = {**current, "RNE": "L", "LS": what[6:]}
        elif what == "adopt":
            current = {**current, "RNE": "T", "PLACE": "A5", "PLACE_PROVIDER": "PR1"}
        elif what == "temp":
            back = dict(current)
            days = rng.randint(2, 6)
            current = {**current, "RNE": "P", "PLACE": rng.choice(["T1", "T4"]), "URN": new_urn()}
            ret = start + timedelta(days=days)
            if ret < end:
                eps.append({**current, "DECOM": start, "DEC": ret, "REC": "X1"})
                used.add(ret)
                start = ret
                current = {**back, "RNE": "P"}
        else:
            same_carer = current["PLACE"] == "U6" and rng.random() < 0.1
            if same_carer:
                current = {**current, "RNE": "T", "PLACE": "U4"}
            else:
                place = _placement_for(rng, age_in_years(child.dob, when))
                current = {
                    **current,
                    "RNE": "P",
                    "PLACE": place,
                    "URN": new_urn(),
                    "PLACE_PROVIDER": "PR1" if place[0] == "U" and rng.random() < 0.7 else "PR4",
                }
    if adopt:
        rec = rng.choice(["E11", "E12"])
    elif end == add_years(child.dob, 18):
        rec = _pick(rng, [("E17", 25), ("E5", 45), ("E6", 10), ("E8", 20)])
    else:
        rec = _pick(rng, [("E4A", 45), ("E13", 8), ("E45", 10), ("E41", 6), ("E8", 15), ("E3", 6), ("E4B", 10)])
    eps.append({**current, "DECOM": start, "DEC": end, "REC": rec})
    for e in eps:
        e["CHILD"] = child.id
    return eps


def _new_child(rng: random.Random, n: int, dob: date) -> _Child:
    return _Child(f"SYN{n:05d}", dob, "1" if rng.random() < 0.55 else "2", _pick(rng, ETHNIC_MIX))


def generate_903(out: Path | str, *, seed: int, year: int, la: str = "havering", years: int = 4) -> list[Path]:
    """Write Header, Episodes and OC3 CSV files for the `years` collection years ending 31 March `year`."""
    out = Path(out)
    _refuse_dataset_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    first_year = year - years + 1
    children: dict[str, _Child] = {}
    episodes: list[dict] = []
    urn = [0]
    n = 0
    for y in range(year - 12, year + 1):  # entrants since long before the first file, for the history
        for _ in range(rng.randint(110, 130)):
            entry = _days(rng, year_start(y), year_end(y))
            age = _pick(rng, [("0", 18), ("2", 14), ("7", 16), ("12", 36), ("16", 16)])
            dob = entry - timedelta(days=int(365.25 * int(age)) + rng.randint(0, 700 if age != "16" else 500))
            if age == "0":
                dob = entry - timedelta(days=rng.randint(0, 300))
            n += 1
            child = _new_child(rng, n, dob)
            children[child.id] = child
            episodes += _care_history(rng, child, entry, urn)
        for _ in range(rng.randint(8, 12)):  # an agreed series of short breaks
            n += 1
            dob = year_end(y) - timedelta(days=rng.randint(5 * 365, 15 * 365))
            child = _new_child(rng, n, dob)
            children[child.id] = child
            starts = sorted({_days(rng, year_start(y), year_end(y) - timedelta(days=5)) for _ in range(8)})
            for d in [d for i, d in enumerate(starts) if i == 0 or (d - starts[i - 1]).days > 4][: rng.randint(4, 8)]:
                episodes.append(
                    {
                        "CHILD": child.id,
                        "DECOM": d,
                        "RNE": "S",
                        "LS": "V3",
                        "CIN": "N2",
                        "PLACE": "R1",
                        "PLACE_PROVIDER": "PR1",
                        "URN": "SYN00000",
                        "DEC": d + timedelta(days=rng.randint(1, 3)),
                        "REC": "E4A",
                    }
                )
    leavers = []  # former relevant young people, 17-21 in the file years
    for _ in range(int(55 * (years + 5))):
        n += 1
        dob = _days(rng, date(first_year - 22, 4, 1), date(year - 17, 3, 31))
        leavers.append(_new_child(rng, n, dob))
    everyone = {**children, **{c.id: c for c in leavers}}
    written: list[Path] = []
    faults = {"duplicate": first_year + 1, "open": year - 1, "overlap": first_year}
    for y in range(first_year, year + 1):
        ys, ye = year_start(y), year_end(y)
        rows = []
        for e in sorted(episodes, key=lambda e: (e["CHILD"], e["DECOM"])):
            if e["DECOM"] > ye or e["DEC"] < ys:
                continue
            r = dict(e)
            if r["DEC"] > ye:
                r["DEC"], r["REC"] = None, ""
            rows.append(r)
        _inject_faults(rows, y, faults)
        oc3 = [c for c in leavers if 17 <= _age_in_year(c.dob, y) <= 21]
        in_header = {r["CHILD"] for r in rows} | {c.id for c in oc3}
        stem = f"{PREFIX}ssda903_{la}_{y}"
        written.append(
            _write_csv(
                out / f"{stem}_header.csv",
                TABLE_COLUMNS["Header"],
                [
                    {
                        "CHILD": c.id,
                        "SEX": c.sex,
                        "DOB": _dmy(c.dob),
                        "ETHNIC": c.ethnic,
                        "UPN": "UN1",
                        "MOTHER": "",
                        "MC_DOB": "",
                    }
                    for c in sorted((everyone[i] for i in in_header), key=lambda c: c.id)
                ],
            )
        )
        written.append(
            _write_csv(
                out / f"{stem}_episodes.csv",
                TABLE_COLUMNS["Episodes"],
                [
                    {
                        **{k: r.get(k, "") for k in TABLE_COLUMNS["Episodes"]},
                        "DECOM": _dmy(r["DECOM"]),
                        "DEC": _dmy(r["DEC"]),
                        "REASON_PLACE_CHANGE": "CARPL" if r["RNE"] in ("P", "B") else "",
                        "HOME_POST": "",
                        "PL_POST": "",
                    }
                    for r in rows
                ],
            )
        )
        written.append(
            _write_csv(
                out / f"{stem}_oc3.csv", TABLE_COLUMNS["OC3"], [_outcome(rng, c, _age_in_year(c.dob, y)) for c in oc3]
            )
        )
    _readme(out, "SSDA903 Header, Episodes and OC3 tables", seed)
    return written


def _age_in_year(dob: date, y: int) -> int:
    from dashboard.returns.ssda903 import care_leaver_age

    return care_leaver_age(dob, y)


def _inject_faults(rows: list[dict], y: int, faults: dict[str, int]) -> None:
    """A few faults of real returns, each once, for the stitching rules to repair."""
    if y == faults["duplicate"] and rows:
        rows.insert(1, dict(rows[0]))
    if y == faults["open"]:
        for i, r in enumerate(rows[:-1]):
            nxt = rows[i + 1]
            if r["CHILD"] == nxt["CHILD"] and r["REC"] == "X1" and nxt["RNE"] == "P" and nxt["DEC"] is not None:
                r["DEC"], r["REC"] = None, ""
                break
    if y == faults["overlap"]:
        for i, r in enumerate(rows[:-1]):
            nxt = rows[i + 1]
            if (
                r["CHILD"] == nxt["CHILD"]
                and r["REC"] == "X1"
                and r["DEC"] is not None
                and nxt["DEC"] is not None
                and (nxt["DEC"] - nxt["DECOM"]).days > 5
            ):
                r["DEC"] = r["DEC"] + timedelta(days=2)
                break


def _outcome(rng: random.Random, c: _Child, age: int) -> dict:
    in_touch = _pick(
        rng, [("YES", 90 if age >= 19 else 94), ("NO", 4), ("REFU", 2), ("NREQ", 2), ("RHOM", 1), ("DIED", 1)]
    )
    if in_touch != "YES":
        activ = accom = "0"
    else:
        activ = _pick(
            rng, [("F1", 8), ("F2", 18), ("F4", 6), ("F5", 17), ("P2", 3), ("P5", 5), ("G4", 8), ("G5", 30), ("G6", 5)]
        )
        accom = _pick(
            rng,
            [
                ("U1", 22),
                ("D1", 20),
                ("E1", 8),
                ("Z1", 12),
                ("B1", 12),
                ("T1", 6),
                ("K1", 4),
                ("C1", 3),
                ("S2", 3),
                ("V2", 2),
                ("W2", 1),
                ("X2", 2),
                ("R2", 2),
                ("Y1", 3),
            ],
        )
    return {"CHILD": c.id, "DOB": _dmy(c.dob), "IN_TOUCH": in_touch, "ACTIV": activ, "ACCOM": accom}


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*columns, MARKER_COLUMN])
        for r in rows:
            w.writerow([r.get(c, "") for c in columns] + [MARKER])
    return path


# ------------------------------------------------------------------ Annex A

ANNEX_HEADERS = {
    1: [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date of Contact",
        "Contact Source",
    ],
    3: [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date of referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        "Allocated Team",
        "Allocated Worker",
    ],
    4: [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        "Allocated Team",
        "Allocated Worker",
    ],
    5: [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months",
        "Allocated Team",
        "Allocated Worker",
    ],
    7: [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Child Protection Plan End Date",
        "Number of Previous Child Protection Plans",
        "Allocated Team",
        "Allocated Worker",
    ],
    8: [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date Started to be Looked After",
        "Child's Legal Status",
        "Date Ceased to be Looked After",
    ],
    9: ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"],
}
SHEET_TITLES = {
    1: "List 1 - Contacts",
    3: "List 3 - Referrals",
    4: "List 4 - Assessments",
    5: "List 5 - S47 and ICPC",
    7: "List 7 - CP plans",
    8: "List 8 - Looked after",
    9: "List 9 - Care leavers",
}
SOURCES = [
    ("a) 1A: Individual", 4),
    ("c) 1C: Individual", 2),
    ("d) 1D: Individual", 3),
    ("e) 2A: Schools", 17),
    ("f) 2B: Education services", 2),
    ("g) 3A: Health services", 4),
    ("h) 3B: Health services", 3),
    ("k) 3E: Health services", 4),
    ("l) 3F: Health services", 3),
    ("m) 4: Housing", 2),
    ("n) 5A: LA services", 4),
    ("p1) 5D: LA services", 6),
    ("q) 6: Police", 30),
    ("r) 7: Other legal agency", 3),
    ("s) 8: Other", 8),
    ("t) 9: Anonymous", 3),
    ("u) 10: Unknown", 2),
]
TEAMS = ["MASH", "Assessment Team 1", "Assessment Team 2", "Assessment Team 3", "Children with Disabilities"]
CATEGORIES = [
    ("a) Neglect", 45),
    ("d) Emotional abuse", 35),
    ("b) Physical abuse", 8),
    ("c) Sexual abuse", 4),
    ("e) Multiple/not recommended", 8),
]


def generate_annex_a(out: Path | str, *, seed: int, year: int, la: str = "havering") -> Path:
    """Write an Annex A workbook (lists 1, 3, 4, 5, 7, 8, 9) for the year ending 31 March `year`."""
    from openpyxl import Workbook

    out = Path(out)
    _refuse_dataset_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 903)
    ws_, we = year_start(year), year_end(year)
    people: dict[str, _Child] = {}

    def person(dob_before: date) -> _Child:
        n = len(people) + 1
        dob = dob_before - timedelta(days=rng.randint(-200, 17 * 365))
        c = _new_child(rng, n, dob)
        c.id = f"SYNA{n:06d}"
        people[c.id] = c
        return c

    lists: dict[int, list[list]] = {k: [] for k in ANNEX_HEADERS}

    def base(c: _Child, on: date) -> list:
        sex = "a) Male" if c.sex == "1" else "b) Female"
        unborn = c.dob > on
        return [
            c.id,
            sex,
            ETHNIC_WORDS.get(c.ethnic, "s) NOBT"),
            _dmy(c.dob),
            "" if unborn else age_in_years(c.dob, on),
        ]

    contacts: list[tuple[date, _Child, str]] = []
    pool: list[_Child] = []
    for _ in range(rng.randint(9800, 10400)):
        d = _days(rng, ws_, we)
        if d.weekday() >= 5 and rng.random() < 0.7:  # most contacts come on working days
            d = min(d + timedelta(days=7 - d.weekday()), we)
        c = rng.choice(pool) if pool and rng.random() < 0.25 else person(d)
        pool.append(c)
        contacts.append((d, c, _pick(rng, SOURCES)))
    contacts.sort(key=lambda x: (x[0], x[1].id))
    last_referral: dict[str, date] = {}
    referrals = []
    for d, c, src in contacts:
        lists[1].append(base(c, d) + [_dmy(d), src])
        if rng.random() < 0.24:
            rd = add_working_days(d, rng.choice([0, 0, 0, 1, 2]))
            if rd > we or last_referral.get(c.id) == rd:
                continue
            prior = last_referral.get(c.id)
            hidden = 1 if rng.random() < 0.12 else 0  # a referral in the year before the list began
            n12 = 1 + hidden + (1 if prior and prior >= add_years(rd, -1) else 0)
            last_referral[c.id] = rd
            nfa = rng.random() < 0.1
            team = _pick(rng, [(t, w) for t, w in zip(TEAMS, (20, 25, 25, 20, 10), strict=True)])
            referrals.append((rd, c, nfa, team))
            lists[3].append(base(c, rd) + [_dmy(rd), src, "Yes" if nfa else "No", n12, team, "Worker"])
    plans_started = 0
    for rd, c, nfa, team in referrals:
        if nfa:
            continue
        start = add_working_days(rd, rng.choice([0, 1, 1, 2]))
        wd = rng.randint(8, 45) if rng.random() < 0.86 else rng.randint(46, 75)
        done = add_working_days(start, wd)
        lists[4].append(
            base(c, start)
            + [
                "b) No",
                _dmy(start),
                "a) Yes",
                _dmy(done if done <= we else None),
                "a) Yes" if done <= we else "",
                team,
                "Worker",
            ]
        )
        if rng.random() < 0.36:
            strategy = start + timedelta(days=rng.randint(0, 5))
            icpc = None
            if rng.random() < 0.36:
                icpc = add_working_days(strategy, rng.randint(5, 15) if rng.random() < 0.8 else rng.randint(16, 28))
                if icpc > we:
                    icpc = None
            lists[5].append(
                base(c, strategy)
                + [
                    "b) No",
                    _dmy(strategy),
                    "b) No" if icpc else "a) Yes",
                    _dmy(icpc),
                    "a) Yes" if icpc else "",
                    1,
                    1 if icpc else 0,
                    team,
                    "Worker",
                ]
            )
            if icpc and rng.random() < 0.85:
                plans_started += 1
                end = icpc + timedelta(days=int(rng.expovariate(1 / 320)) + 90)
                lists[7].append(_plan_row(rng, base(c, icpc), icpc, end if end <= we else None, team))
    for _ in range(rng.randint(230, 260)):  # plans that began before the year, some of them ending in it
        c = person(ws_)
        start = ws_ - timedelta(days=rng.randint(1, 3 * 365 if rng.random() < 0.1 else 500))
        end = start + timedelta(days=int(rng.expovariate(1 / 330)) + 60)
        if end < ws_:
            end = ws_ + timedelta(days=rng.randint(0, 200))
        lists[7].append(_plan_row(rng, base(c, start), start, end if end <= we else None, rng.choice(TEAMS)))
    for _ in range(rng.randint(280, 320)):
        c = person(we)
        start = we - timedelta(days=rng.randint(1, 6 * 365))
        ceased = start + timedelta(days=rng.randint(30, 900))
        lists[8].append(
            base(c, we)
            + [
                _dmy(start),
                rng.choice(["C2: FCO", "V2: Single period under S20", "C1: ICO", "E1: Placement order"]),
                _dmy(ceased) if ws_ <= ceased <= we else "",
            ]
        )
    for _ in range(rng.randint(250, 280)):
        c = person(we)
        c.dob = we - timedelta(days=rng.randint(17 * 365 + 5, 22 * 365 - 5))
        lists[9].append(base(c, we))
    wb = Workbook(write_only=True)
    readme = wb.create_sheet("README")
    for line in (
        ["SYNTHETIC DATA - not real children"],
        [f"Made by board-dashboard synthetic-returns (seed {seed}) for tests and demonstrations."],
        [f"Annex A lists for the year {ws_:%d/%m/%Y} to {we:%d/%m/%Y}; every list has a {MARKER_COLUMN} column."],
    ):
        readme.append(line)
    for k, rows in lists.items():
        ws = wb.create_sheet(SHEET_TITLES[k])
        ws.append([f"Annex A {SHEET_TITLES[k]} - SYNTHETIC DATA"])
        ws.append([*ANNEX_HEADERS[k], MARKER_COLUMN])
        for r in rows:
            ws.append([*r, MARKER])
    path = out / f"{PREFIX}annex_a_{la}_{year}.xlsx"
    wb.save(path)
    _readme(out, "Annex A workbooks and/or SSDA903 tables", seed)
    return path


def _plan_row(rng: random.Random, base: list, start: date, end: date | None, team: str) -> list:
    cat = _pick(rng, CATEGORIES)
    previous = _pick(rng, [("0", 78), ("1", 16), ("2", 6)])
    return base + [
        "b) No",
        _dmy(start),
        cat,
        cat,
        _dmy(start + timedelta(days=10)),
        _dmy(end),
        int(previous),
        team,
        "Worker",
    ]
