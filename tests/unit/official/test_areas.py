"""The area registry built from the official files, reorganised authorities, and the resolver."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.official.areas import (
    AreaError,
    Reorganisations,
    Succession,
    UnknownAreaError,
    build_areas,
    geography,
    resolve_area,
)


@pytest.fixture(scope="module")
def areas(snapshot_read):
    return {a.code: a for a in snapshot_read.areas}


def test_england_the_eleven_regions_and_every_authority(areas):
    kinds = pd.Series([a.kind for a in areas.values()]).value_counts().to_dict()
    assert kinds["england"] == 1 and kinds["region"] == 11
    assert {"north_east", "london", "inner_london", "outer_london", "south_west"} <= set(areas)
    assert areas["inner_london"].region == "london"
    # 158 children's services authorities (2013-2025) and two joint workforce returns
    las = [a for a in areas.values() if a.kind == "local_authority"]
    assert len(las) == 160 and sum(bool(a.members) for a in las) == 2


def test_existing_codes_are_kept_by_ons_code(areas):
    for code, ons, number in [
        ("havering", "E09000016", "311"),
        ("hammersmith_fulham", "E09000013", "205"),
        ("kensington_chelsea", "E09000020", "207"),
        ("westminster", "E09000033", "213"),
    ]:
        assert (areas[code].new_la_code, areas[code].old_la_code) == (ons, number)
    h = areas["havering"]
    assert (h.name, h.region, h.sub_region, h.first_year, h.last_year) == (
        "Havering",
        "london",
        "outer_london",
        2012,
        2025,
    )


def test_cumbria_is_replaced_by_cumberland_and_westmorland_and_furness(areas):
    cumbria = areas["cumbria"]
    assert cumbria.last_year == 2023 and cumbria.replaced_by == ("cumberland", "westmorland_and_furness")
    for code in ("cumberland", "westmorland_and_furness"):
        assert areas[code].replaces == ("cumbria",) and areas[code].first_year == 2023
        assert "The Cumbria (Structural Changes) Order 2022" in areas[code].note


def test_northamptonshire_and_dorset(areas):
    assert areas["northamptonshire"].replaced_by == ("north_northamptonshire", "west_northamptonshire")
    assert areas["northamptonshire"].last_year == 2021
    # two Dorsets: the county council to 2019 and the unitary council from 2019, told apart by code
    old, new = areas["dorset_to_2019"], areas["dorset"]
    assert (old.name, old.old_la_code, old.last_year) == ("Dorset", "835", 2019)
    assert (new.name, new.old_la_code, new.replaces) == ("Dorset", "838", ("dorset_to_2019",))
    assert set(areas["bournemouth_christchurch_and_poole"].replaces) == {"bournemouth", "poole", "dorset_to_2019"}


def test_a_new_ons_code_for_the_same_authority_keeps_one_area(areas):
    ny = areas["north_yorkshire"]
    assert (ny.old_la_code, ny.new_la_code, ny.former_ons_codes) == ("815", "E06000065", ("E10000023",))
    assert ny.replaces == () and "North Yorkshire (Structural Changes) Order 2022" in ny.note


def test_a_stated_succession_the_files_contradict_is_refused(excerpt_read, excerpts):
    import io

    from dashboard.official.files import read_text

    frames = [
        pd.read_csv(io.StringIO(read_text(p)), dtype=str, keep_default_na=False) for p in sorted(excerpts.glob("*.csv"))
    ]
    wrong = Reorganisations((Succession("942", ("311",), "2023-04-01", "no such order"),))
    with pytest.raises(AreaError, match="Havering"):
        build_areas(geography(frames), wrong)


@pytest.mark.parametrize("text", ["havering", "HAVERING", " Havering ", "E09000016", "e09000016", "311"])
def test_resolve_by_code_ons_code_or_dfe_number(areas, text):
    assert resolve_area(text, areas).code == "havering"


def test_resolve_a_former_ons_code(areas):
    assert resolve_area("E10000023", areas).code == "north_yorkshire"


def test_did_you_mean_from_codes_and_names(areas):
    with pytest.raises(UnknownAreaError) as e:
        resolve_area("haverng", areas)
    assert e.value.suggestions[0] == "havering" and "did you mean havering (Havering)" in str(e.value)
    with pytest.raises(UnknownAreaError) as e:
        resolve_area("Kensington and Chelsea", areas)  # the name, not a code: suggested from the name
    assert "kensington_chelsea" in e.value.suggestions
    with pytest.raises(UnknownAreaError) as e:
        resolve_area("Bristol", areas)
    assert "bristol_city_of" in e.value.suggestions


def test_an_unknown_number_has_no_suggestion_but_says_what_is_accepted(areas):
    with pytest.raises(UnknownAreaError) as e:
        resolve_area("E09999999", areas)
    assert "ONS code" in str(e.value) and "DfE number" in str(e.value)
