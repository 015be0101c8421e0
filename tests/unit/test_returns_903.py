"""SSDA903 measures on small hand-built returns with known answers, the stitching repairs, the checks on bad
files, and a property: no count exceeds its cohort."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.returns import ssda903 as s903
from dashboard.returns.common import Figure
from data_access.importer import ImportRejected

YEAR = 2023  # the year ending 31 March 2023


def d(text: str) -> date:
    day, month, year = (int(x) for x in text.split("/"))
    return date(year, month, day)


def ep(child, decom, rne="P", ls="C2", place="U6", dec="", rec="", urn="", provider="PR1") -> dict:
    return {
        "CHILD": child,
        "DECOM": decom,
        "RNE": rne,
        "LS": ls,
        "CIN": "N1",
        "PLACE": place,
        "PLACE_PROVIDER": provider,
        "DEC": dec,
        "REC": rec or ("X1" if dec else ""),
        "REASON_PLACE_CHANGE": "",
        "HOME_POST": "",
        "PL_POST": "",
        "URN": urn or f"U-{child}-{decom}",
    }


def hdr(child, dob="01/06/2012", sex="1", ethnic="WBRI") -> dict:
    return {"CHILD": child, "SEX": sex, "DOB": dob, "ETHNIC": ethnic, "UPN": "UN1", "MOTHER": "", "MC_DOB": ""}


def write(folder: Path, year: int, table: str, rows: list[dict], columns=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table.lower()}_{year}.csv"
    columns = columns or s903.TABLE_COLUMNS[table]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(columns))
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})
    return path


def make_return(
    folder: Path, episodes: dict[int, list[dict]], header: list[dict], oc3: list[dict] | None = None, year: int = YEAR
) -> s903.Return903:
    for y, rows in episodes.items():
        write(folder, y, "Episodes", rows)
        children = {r["CHILD"] for r in rows}
        write(folder, y, "Header", [h for h in header if h["CHILD"] in children or y == year])
    write(
        folder,
        year,
        "OC3",
        oc3 or [{"CHILD": "L1", "DOB": "01/06/2003", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "U1"}],
    )
    if not any(h["CHILD"] == "L1" for h in header) and not oc3:
        write(folder, year, "Header", header + [hdr("L1", "01/06/2003")])
    return s903.read_return(folder, year)


def figure(figures: list[Figure], indicator: str, dim: str = "", value: str = "") -> Figure:
    return next(
        f for f in figures if f.indicator == indicator and f.breakdown_dimension == dim and f.breakdown_value == value
    )


def counted(measured, child: str) -> bool:
    return next(c.counted for c in measured.children if c.child == child)


# ------------------------------------------------------------------ short-term stability


def test_a_child_with_exactly_three_placements_in_the_year_is_counted_and_one_with_two_is_not(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("A", "01/02/2021", "S", place="U6", dec="01/06/2022"),
                ep("A", "01/06/2022", "P", place="U4", dec="01/09/2022"),
                ep("A", "01/09/2022", "P", place="K2"),
                ep("B", "01/02/2021", "S", place="U6", dec="01/06/2022"),
                ep("B", "01/06/2022", "P", place="U4"),
            ]
        },
        [hdr("A"), hdr("B")],
    )
    m = s903.three_plus_placements(ret)
    assert counted(m, "A") and not counted(m, "B")
    f = figure(m.figures, "cla_3_plus_placements_pct")
    assert (f.numerator, f.denominator, f.value, f.period) == (1, 2, 50.0, "2022-23")


def test_a_placement_change_across_31_march_belongs_to_the_year_it_starts_in(tmp_path):
    # C's third placement starts on 2 April 2023, after the year; D moves on 1 April 2022, the first day of it.
    ret = make_return(
        tmp_path,
        {
            2023: [
                ep("C", "01/05/2020", "S", place="U6", dec="10/01/2023"),
                ep("C", "10/01/2023", "P", place="U4"),
                ep("D", "01/05/2020", "S", place="U6", dec="01/04/2022"),
                ep("D", "01/04/2022", "P", place="U4", dec="01/10/2022"),
                ep("D", "01/10/2022", "P", place="K2"),
            ],
            2024: [
                ep("C", "10/01/2023", "P", place="U4", dec="02/04/2023"),
                ep("C", "02/04/2023", "P", place="K2"),
                ep("D", "01/10/2022", "P", place="K2"),
            ],
        },
        [hdr("C"), hdr("D")],
        year=2024,
    )
    y2023 = s903.three_plus_placements(ret, 2023)
    assert [c.codes["placements"] for c in sorted(y2023.children, key=lambda c: c.child)] == ["2", "2"]
    y2024 = s903.three_plus_placements(ret, 2024)
    assert [c.codes["placements"] for c in sorted(y2024.children, key=lambda c: c.child)] == ["2", "1"]


def test_a_temporary_placement_is_not_a_placement_and_returning_to_the_same_one_is_not_a_move(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("E", "01/05/2020", "S", place="U6", urn="FC1", dec="05/07/2022"),
                ep("E", "05/07/2022", "P", place="T1", urn="HOSP", dec="09/07/2022"),  # in hospital for four days
                ep("E", "09/07/2022", "P", place="U6", urn="FC1", dec="01/12/2022"),  # back to the same carers
                ep("E", "01/12/2022", "P", place="U4", urn="FC2"),
                ep("F", "01/05/2020", "S", place="U6", urn="FC3", dec="05/07/2022"),
                ep("F", "05/07/2022", "P", place="T4", urn="EMG", dec="09/07/2022"),  # a few days' emergency cover...
                ep("F", "09/07/2022", "P", place="U6", urn="FC4"),  # ... then somewhere new
            ]
        },
        [hdr("E"), hdr("F")],
    )
    m = s903.three_plus_placements(ret)
    assert {c.child: c.codes["placements"] for c in m.children} == {"E": "2", "F": "2"}


def test_an_agreed_series_of_short_breaks_is_left_out(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("G", "03/06/2022", "S", ls="V3", place="R1", urn="SB", dec="05/06/2022", rec="E4A"),
                ep("G", "07/09/2022", "S", ls="V3", place="R1", urn="SB", dec="09/09/2022", rec="E4A"),
                ep("G", "10/03/2023", "S", ls="V3", place="R1", urn="SB"),  # on a short break at 31 March
                ep("H", "03/06/2022", "S", ls="V3", place="R1", urn="SB", dec="05/06/2022", rec="E4A"),
                ep("H", "07/09/2022", "S", ls="V3", place="R1", urn="SB", dec="09/09/2022", rec="E4A"),
                ep("H", "01/11/2022", "S", ls="C1", place="U6", urn="FC5", dec="01/02/2023"),
                ep("H", "01/02/2023", "P", ls="C1", place="U4", urn="FC6"),
            ]
        },
        [hdr("G"), hdr("H")],
    )
    cla = s903.children_looked_after(ret)
    assert figure(cla.figures, "children_looked_after").value == 1  # G is not looked after at 31 March
    m = s903.three_plus_placements(ret)
    assert {c.child: c.codes["placements"] for c in m.children} == {"H": "2"}


def test_looked_after_at_31_march_means_open_at_the_end_of_that_day(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("I", "01/05/2021", "S", dec="31/03/2023", rec="E4A"),  # went home on 31 March
                ep("J", "31/03/2023", "S", place="U6"),  # came into care on 31 March
            ]
        },
        [hdr("I"), hdr("J", dob="15/03/2023")],
    )
    cla = s903.children_looked_after(ret)
    assert [c.child for c in cla.children] == ["J"]
    assert figure(cla.figures, "children_looked_after", "age_band", "under_1").value == 1
    assert figure(cla.figures, "children_looked_after", "legal_status", "full_care_order").value == 1
    assert figure(cla.figures, "children_looked_after", "placement_type", "foster_care").value == 1


# ------------------------------------------------------------------ long-term stability


def test_a_child_turning_16_before_31_march_leaves_the_long_term_cohort_and_one_turning_16_after_stays(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("K", "01/05/2019", "S", place="U6", urn="FC1"),  # turns 16 on 15 January 2023
                ep("L", "01/05/2019", "S", place="U6", urn="FC2"),  # turns 16 on 15 April 2023
            ]
        },
        [hdr("K", dob="15/01/2007"), hdr("L", dob="15/04/2007")],
    )
    m = s903.long_term_stability(ret)
    assert [c.child for c in m.children] == ["L"]
    f = figure(m.figures, "cla_long_term_stability_pct")
    assert (f.numerator, f.denominator) == (1, 1)


def test_long_term_needs_two_and_a_half_years_in_care_and_two_in_the_placement(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("M", "30/09/2020", "S", place="U6", urn="FC1"),  # exactly 2.5 years in care and placed: counted
                ep("N", "01/10/2020", "S", place="U6", urn="FC2"),  # a day short of 2.5 years: not in the cohort
                ep("O", "01/05/2019", "S", place="U6", urn="FC3", dec="01/04/2021"),
                ep("O", "01/04/2021", "P", place="U4", urn="FC4"),  # placed a day under 2 years: in cohort, not counted
            ]
        },
        [hdr("M"), hdr("N"), hdr("O")],
    )
    m = s903.long_term_stability(ret)
    assert {c.child: c.counted for c in m.children} == {"M": True, "O": False}


def test_the_same_carer_wording_keeps_a_child_whose_placement_changed_but_whose_carers_did_not(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("P", "01/05/2019", "S", place="U6", urn="FC1", dec="01/06/2022"),
                ep("P", "01/06/2022", "T", place="U4", urn="FC1"),  # became long-term fostering with the same carers
            ]
        },
        [hdr("P")],
    )
    assert not counted(s903.long_term_stability(ret, wording="placement"), "P")
    assert counted(s903.long_term_stability(ret, wording="carer"), "P")
    with pytest.raises(ValueError):
        s903.long_term_stability(ret, wording="home")


def test_placed_for_adoption_counts_when_it_and_the_placement_before_last_two_years(tmp_path):
    ret = make_return(
        tmp_path,
        {
            YEAR: [
                ep("Q", "01/05/2019", "S", place="U6", urn="FC1", dec="01/05/2020"),
                ep("Q", "01/05/2020", "P", place="U6", urn="FC2", dec="01/10/2022"),
                ep("Q", "01/10/2022", "P", ls="E1", place="A6", urn="AD1"),
                ep("R", "01/05/2019", "S", place="U6", urn="FC3", dec="01/06/2021"),
                ep("R", "01/06/2021", "P", place="U6", urn="FC4", dec="01/10/2022"),
                ep("R", "01/10/2022", "P", ls="E1", place="A6", urn="AD2"),
            ]
        },
        [hdr("Q", dob="01/01/2018"), hdr("R", dob="01/01/2018")],
    )
    m = s903.long_term_stability(ret)
    assert {c.child: c.counted for c in m.children} == {"Q": True, "R": False}


# ------------------------------------------------------------------ care leavers


def test_a_care_leaver_with_no_information_stays_in_every_denominator(tmp_path):
    oc3 = [
        {"CHILD": "S1", "DOB": "10/10/2002", "IN_TOUCH": "YES", "ACTIV": "F2", "ACCOM": "D1"},  # 20
        {"CHILD": "S2", "DOB": "10/10/2002", "IN_TOUCH": "NO", "ACTIV": "0", "ACCOM": "0"},  # no information
        {"CHILD": "S3", "DOB": "10/02/2005", "IN_TOUCH": "YES", "ACTIV": "G5", "ACCOM": "S2"},
    ]  # 18
    ret = make_return(
        tmp_path,
        {YEAR: [ep("T", "01/05/2021", "S")]},
        [hdr("T"), hdr("S1", "10/10/2002"), hdr("S2", "10/10/2002"), hdr("S3", "10/02/2005")],
        oc3,
    )
    m = s903.care_leaver_outcomes(ret)
    for code in ("care_leavers_in_touch_pct", "care_leavers_eet_pct", "care_leavers_suitable_accommodation_pct"):
        f = figure(m.figures, code)
        assert (f.numerator, f.denominator, f.value) == (1, 2, 50.0)
        assert figure(m.figures, code, "age_band", "17_to_18").denominator == 1
    assert figure(m.figures, "care_leavers_in_touch_pct", "age_band", "17_to_18").value == 100.0
    assert figure(m.figures, "care_leavers_eet_pct", "age_band", "17_to_18").value == 0.0
    assert figure(m.figures, "care_leavers_suitable_accommodation_pct", "age_band", "17_to_18").value == 0.0


def test_a_care_leavers_age_is_their_age_at_their_birthday_in_the_year():
    assert s903.care_leaver_age(date(2005, 3, 31), 2023) == 18  # birthday on the last day of the year
    assert s903.care_leaver_age(date(2005, 4, 1), 2023) == 17  # birthday on the first day
    assert s903.care_leaver_age(date(2004, 2, 29), 2023) == 19


# ------------------------------------------------------------------ stitching


def _stitch(rows, latest=2023):
    for n, r in enumerate(rows, start=2):
        r.setdefault("_n", n)
        r.setdefault("where", f"episodes_{r['YEAR']}.csv, row {r['_n']}")
        for k in ("CIN", "PLACE_PROVIDER", "URN", "PL_POST", "REASON_PLACE_CHANGE"):
            r.setdefault(k, "")
    return s903.stitch_episodes(rows, latest)


def e(child, year, decom, dec=None, rne="P", rec="", place="U6", **kw) -> dict:
    return {
        "CHILD": child,
        "YEAR": year,
        "DECOM": d(decom),
        "DEC": d(dec) if dec else None,
        "RNE": rne,
        "LS": "C2",
        "PLACE": place,
        "REC": rec or ("X1" if dec else ""),
        **kw,
    }


def test_an_open_episode_followed_by_another_is_closed_when_the_next_begins_and_the_repair_is_logged():
    out, repairs = _stitch([e("A", 2023, "01/05/2022"), e("A", 2023, "01/09/2022", place="U4")])
    assert out[0]["DEC"] == d("01/09/2022") and out[0]["REC"] == "X1"
    assert [r.rule for r in repairs] == ["open episode closed"]
    assert "episodes_2023.csv, row 2" in str(repairs[0]) and "A" not in repairs[0].message.split()


def test_an_open_episode_before_a_new_period_of_care_ends_the_day_before_it():
    out, repairs = _stitch([e("A", 2023, "01/05/2022"), e("A", 2023, "01/09/2022", rne="S")])
    assert out[0]["DEC"] == d("31/08/2022") and out[0]["REC"] == "E99"
    assert repairs[0].rule == "open episode closed"


def test_an_episode_open_in_an_earlier_return_of_a_child_missing_later_ends_on_1_april_after_it():
    out, repairs = _stitch([e("A", 2022, "01/05/2021"), e("B", 2023, "01/05/2022")], latest=2023)
    assert out[0]["DEC"] == d("01/04/2022") and out[1]["DEC"] is None
    assert [r.rule for r in repairs] == ["open episode closed"]


def test_the_same_episode_in_two_years_returns_keeps_the_later_version_and_logs_a_difference():
    carried = [
        e("A", 2022, "01/05/2021"),
        e("A", 2023, "01/05/2021", dec="01/06/2022"),
        e("A", 2023, "01/06/2022", place="U4"),
    ]
    out, repairs = _stitch(carried)
    assert len(out) == 2 and out[0]["DEC"] == d("01/06/2022") and repairs == []  # a normal carry-over
    corrected = [e("A", 2022, "01/05/2021", place="U3"), e("A", 2023, "01/05/2021", place="U6")]
    out, repairs = _stitch(corrected, latest=2023)
    assert out[0]["PLACE"] == "U6" and repairs[0].rule == "replaced by a later return"


def test_duplicates_overlaps_and_gaps_after_x1_are_repaired():
    dup = e("A", 2023, "01/05/2022", dec="01/06/2022")
    out, repairs = _stitch([dup, dict(dup, _n=9), e("A", 2023, "01/06/2022", place="U4")], latest=2023)
    assert len(out) == 2 and repairs[0].rule == "duplicate"
    out, repairs = _stitch([e("B", 2023, "01/05/2022", dec="05/06/2022"), e("B", 2023, "01/06/2022")], 2023)
    assert out[0]["DEC"] == d("01/06/2022") and repairs[0].rule == "overlap"
    out, repairs = _stitch([e("C", 2023, "01/05/2022", dec="28/05/2022"), e("C", 2023, "01/06/2022")], 2023)
    assert out[0]["DEC"] == d("01/06/2022") and repairs[0].rule == "gap after X1"


# ------------------------------------------------------------------ bad files


def _valid(tmp_path) -> Path:
    make_return(tmp_path, {YEAR: [ep("A", "01/05/2021", "S")]}, [hdr("A")])
    return tmp_path


def _rewrite(path: Path, row: int, column: str, value: str) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[row - 2][column] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize(
    ("table", "column", "value", "says"),
    [
        ("Episodes", "RNE", "Q", "'Q' is not a valid RNE code"),
        ("Episodes", "DECOM", "2021/05/01", "not a date; write dd/mm/yyyy"),
        ("Episodes", "DEC", "01/04/2021", "before the episode began"),
        ("Episodes", "PLACE", "", "is empty; give a code"),
        ("Header", "ETHNIC", "WHITE", "'WHITE' is not a valid ETHNIC code"),
        ("OC3", "DOB", "01/06/2009", "turns 13"),
        ("OC3", "ACCOM", "Q1", "'Q1' is not a valid ACCOM code"),
    ],
)
def test_a_bad_cell_is_named_by_file_row_and_column(tmp_path, table, column, value, says):
    folder = _valid(tmp_path)
    _rewrite(folder / f"{table.lower()}_{YEAR}.csv", 2, column, value)
    with pytest.raises(ImportRejected) as e:
        s903.read_return(folder, YEAR)
    err = e.value.errors[0]
    assert (err.where, err.column) == (f"{table.lower()}_{YEAR}.csv, row 2", column)
    assert says in err.message


def test_a_missing_table_or_column_is_named(tmp_path):
    folder = _valid(tmp_path)
    (folder / f"oc3_{YEAR}.csv").unlink()
    with pytest.raises(ImportRejected, match=f"no OC3 table for {YEAR}"):
        s903.read_return(folder, YEAR)
    write(folder, YEAR, "OC3", [], columns=("CHILD", "DOB", "IN_TOUCH", "ACTIV"))
    with pytest.raises(ImportRejected, match="no OC3 table"):  # without ACCOM it is not recognised as OC3
        s903.read_return(folder, YEAR)
    write(
        folder,
        YEAR,
        "Episodes",
        [ep("A", "01/05/2021", "S")],
        columns=[c for c in s903.TABLE_COLUMNS["Episodes"] if c != "REC"],
    )
    write(folder, YEAR, "OC3", [{"CHILD": "L1", "DOB": "01/06/2003", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "U1"}])
    with pytest.raises(ImportRejected) as e:
        s903.read_return(folder, YEAR)
    assert "no Episodes table" in str(e.value)  # without REC the file is not an Episodes table


def test_a_child_in_episodes_must_be_in_the_header(tmp_path):
    folder = _valid(tmp_path)
    _rewrite(folder / f"episodes_{YEAR}.csv", 2, "CHILD", "ZZ")
    with pytest.raises(ImportRejected, match="no row in the 2023 Header"):
        s903.read_return(folder, YEAR)


def test_years_are_read_from_file_and_folder_names(tmp_path):
    (tmp_path / "2022-23").mkdir()
    assert s903.year_of(tmp_path / "2022-23" / "episodes.csv", tmp_path, 2024) == 2023
    assert s903.year_of(tmp_path / "SSDA903_2021_episodes.csv", tmp_path, 2024) == 2021
    assert s903.year_of(tmp_path / "episodes.csv", tmp_path, 2024) == 2024


# ------------------------------------------------------------------ property: no count exceeds its cohort

CODES_RNE = sorted(s903.RNE_CODES - {"S"})
CODES_PLACE = ["U6", "U4", "U1", "K2", "H5", "P1", "A5", "A6", "T1", "T4", "S1"]


@st.composite
def histories(draw):
    episodes, header = [], {}
    for i in range(draw(st.integers(1, 12))):
        child = f"C{i}"
        dob = date(2004, 1, 1) + timedelta(days=draw(st.integers(0, 19 * 365)))
        header[child] = {
            "SEX": draw(st.sampled_from(["1", "2"])),
            "DOB": dob,
            "ETHNIC": draw(st.sampled_from(sorted(s903.ETHNIC_GROUPS))),
        }
        t = max(dob, date(2016, 1, 1)) + timedelta(days=draw(st.integers(0, 6 * 365)))
        for k in range(draw(st.integers(1, 7))):
            if t > date(2023, 3, 31):
                break
            length = draw(st.integers(1, 900))
            end = t + timedelta(days=length)
            gap = draw(st.sampled_from([0, 0, 0, 1, -2, 30]))
            last = end > date(2023, 3, 31) or draw(st.booleans()) and k > 2
            episodes.append(
                {
                    "CHILD": child,
                    "YEAR": 2023,
                    "_n": len(episodes) + 2,
                    "where": f"row {len(episodes)}",
                    "DECOM": t,
                    "DEC": None if last else end,
                    "RNE": "S" if k == 0 else draw(st.sampled_from(CODES_RNE)),
                    "LS": draw(st.sampled_from(["C2", "C2", "V2", "V3", "E1"])),
                    "PLACE": draw(st.sampled_from(CODES_PLACE)),
                    "REC": "" if last else "X1",
                    "CIN": "N1",
                    "PLACE_PROVIDER": "PR1",
                    "URN": draw(st.sampled_from(["a", "b", "c"])),
                    "PL_POST": "",
                    "REASON_PLACE_CHANGE": "",
                }
            )
            if last:
                break
            t = end + timedelta(days=gap)
    return episodes, header


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from(s903.WORDINGS))
def test_no_count_exceeds_its_cohort(history, wording):
    episodes, header = history
    stitched, _ = s903.stitch_episodes(episodes, 2023)
    for a, b in zip(stitched, stitched[1:], strict=False):  # the repaired history has no overlap
        if a["CHILD"] == b["CHILD"]:
            assert a["DEC"] is not None and a["DEC"] <= b["DECOM"]
    ret = s903.Return903(2023, header, stitched, [], [])
    m = s903.children_looked_after(ret)
    m += s903.three_plus_placements(ret)
    m += s903.long_term_stability(ret, wording=wording)
    cla = figure(m.figures, "children_looked_after").value
    assert cla <= len(header)
    for f in m.figures:
        if f.denominator is not None:
            assert 0 <= f.numerator <= f.denominator and 0 <= f.value <= 100
    for code in ("cla_3_plus_placements_pct", "cla_long_term_stability_pct"):
        head = [f for f in m.figures if f.indicator == code and not f.breakdown_dimension]
        assert not head or head[0].denominator <= cla
        parts = [f for f in m.figures if f.indicator == code and f.breakdown_dimension == "age_band"]
        assert sum(f.denominator for f in parts) == (head[0].denominator if head else 0)
    for dim in ("placement_type", "age_band", "legal_status", "sex", "ethnicity"):
        parts = [f for f in m.figures if f.indicator == "children_looked_after" and f.breakdown_dimension == dim]
        assert sum(f.value for f in parts) == cla
