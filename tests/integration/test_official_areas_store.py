"""The official area registry and statistical neighbours, stored on SQLite and PostgreSQL."""

from data_access import cache, db, queries
from data_access.reference import sync_official_areas, sync_statistical_neighbours


def _area(code, name, kind, ons, dfe=None, region=None, first=2013, last=2025, **extra):
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "ons_code": ons,
        "dfe_number": dfe,
        "region": region,
        "sub_region": extra.get("sub_region"),
        "first_year": first,
        "last_year": last,
        "former_ons_codes": "",
        "replaces": extra.get("replaces", ""),
        "replaced_by": extra.get("replaced_by", ""),
        "members": "",
        "official_note": "",
    }


AREAS = [
    _area("england", "England", "england", "E92000001"),
    _area("london", "London", "region", "E12000007"),
    _area("havering", "Havering", "local_authority", "E09000016", "311", "london", sub_region="outer_london"),
    _area("barking_and_dagenham", "Barking and Dagenham", "local_authority", "E09000002", "301", "london"),
    _area(
        "cumbria",
        "Cumbria",
        "local_authority",
        "E10000006",
        "909",
        "north_west",
        last=2023,
        replaced_by="cumberland westmorland_and_furness",
    ),
    _area(
        "cumberland", "Cumberland", "local_authority", "E06000063", "942", "north_west", first=2024, replaces="cumbria"
    ),
]


def _neighbour(area, rank, neighbour, model="2021", closeness="Close"):
    return {
        "area": area,
        "model": model,
        "rank": rank,
        "neighbour": neighbour,
        "closeness": closeness,
        "source_document": "New_Statistical_Neighbour_Groupings_April_2021.csv",
        "source_line": 100 + rank,
    }


def test_official_areas_are_added_and_the_boards_own_areas_keep_their_names_and_board(loaded_db):
    with db.session_scope() as s:
        added = sync_official_areas(s, AREAS)
    cache.invalidate()
    assert added == 3  # barking_and_dagenham, cumbria and cumberland; the rest the registry already had
    areas = queries.official_areas().set_index("code")
    assert areas.loc["havering", "dfe_number"] == "311"
    assert areas.loc["havering", "region"] == "london"
    assert areas.loc["barking_and_dagenham", "kind"] == "local_authority"
    assert areas.loc["cumbria", "replaced_by"] == "cumberland westmorland_and_furness"
    assert areas.loc["cumberland", "first_year"] == 2024
    assert list(areas.index[:1]) == ["england"]  # England first
    ref = queries.reference()
    havering = next(a for a in ref["areas"] if a["code"] == "havering")
    assert havering["board"] == "havering" and havering["name"] == "Havering"

    with db.session_scope() as s:  # a second load adds nothing
        assert sync_official_areas(s, AREAS) == 0


def test_neighbours_are_kept_per_model_and_a_new_load_replaces_only_that_model(empty_db):
    with db.session_scope() as s:
        sync_official_areas(s, AREAS)
        sync_statistical_neighbours(
            s,
            [
                _neighbour("havering", 1, "barking_and_dagenham"),
                _neighbour("havering", 2, "cumberland", closeness="Somewhat close"),
                _neighbour("havering", 1, "cumberland", model="2025"),
            ],
        )
    cache.invalidate()
    sn = queries.statistical_neighbours("havering", "2021")
    assert list(sn["code"]) == ["barking_and_dagenham", "cumberland"]
    assert list(sn["closeness"]) == ["Close", "Somewhat close"]

    with db.session_scope() as s:
        sync_statistical_neighbours(s, [_neighbour("havering", 1, "cumbria")])
    cache.invalidate()
    assert list(queries.statistical_neighbours("havering", "2021")["code"]) == ["cumbria"]
    assert list(queries.statistical_neighbours("havering", "2025")["code"]) == ["cumberland"]
