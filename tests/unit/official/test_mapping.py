"""The mapping on real excerpts of each published file: recognition by header, values, symbols, rounding, refusals."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from dashboard.official.errors import OfficialReadError
from dashboard.official.mapping import load_mapping
from dashboard.official.reader import OBSERVATION_COLUMNS, read_official
from dashboard.reference.registry import load_registry
from tests.unit.official.conftest import cells

SYMBOL_STATUS = {
    "c": "suppressed",
    "x": "not_available",
    "z": "not_applicable",
    "k": "fewer_than_half",
    "low": "fewer_than_half",
    "u": "low_reliability",
}


def _measure_of(pub, row, line):
    """The mapping's measure that made an observation from this line."""
    return next(
        m
        for m in pub.measures
        if m.indicator == row.indicator
        and all(line[c] == v for c, v in m.where.items())
        and (m.breakdown_from or m.breakdown_value == row.breakdown_value)
    )


def test_every_mapped_indicator_is_registered_with_the_same_unit():
    registry = load_registry()
    for pub in load_mapping().publications:
        for m in pub.measures:
            assert m.indicator in registry.indicators, (pub.id, m.indicator)
            assert registry.indicators[m.indicator].unit == m.unit, (pub.id, m.indicator)


def test_each_excerpt_is_recognised_as_its_publication_by_header(excerpt_read, excerpts):
    mapping = {p.published_as: p.id for p in load_mapping().publications}
    got = {f.file: f.publication for f in excerpt_read.files}
    assert len(got) == len(list(excerpts.glob("*.csv"))) == len(mapping)
    assert got == mapping  # the two care leaver files share a header: their values tell them apart


def test_observations_have_the_import_columns_and_official_extras(excerpt_read):
    obs = excerpt_read.observations
    assert list(obs.columns) == OBSERVATION_COLUMNS
    assert set(obs["source_kind"]) == {"official"}


def test_every_figure_is_printed_on_the_line_it_cites(excerpt_read, excerpts):
    obs = excerpt_read.observations
    published = obs[obs["value"].notna() & ~obs["derived"]]
    assert len(published) > 1000
    mapping = {p.published_as: p for p in load_mapping().publications}
    for row in published.itertuples(index=False):
        pub = mapping[row.source_document]
        line = cells(excerpts / row.source_document, row.source_line)
        measure = _measure_of(pub, row, line)
        assert float(line[measure.value]) == row.value, (row.source_document, row.source_line, row.indicator)


def test_havering_2024_25_figures_from_the_excerpts(excerpt_read):
    obs = excerpt_read.observations
    h = obs[(obs["area"] == "havering") & (obs["breakdown_dimension"] == "")].set_index(["indicator", "period"])
    assert h.loc[("referrals", "2024-25"), "value"] == 3592
    r = h.loc[("re_referrals_12m_pct", "2024-25")]
    assert (r["value"], r["numerator"], r["denominator"]) == (16.3, 586, 3592)
    assert h.loc[("children_in_need", "2025-03-31"), "value"] == 2549
    assert h.loc[("cla_rate_per_10k", "2025-03-31"), "value"] == 42
    assert h.loc[("care_leavers_eet_pct", "2024-25"), "value"] == 44
    assert h.loc[("population_0_17", "2024-06-30"), "value"] == 63777
    assert h.loc[("csww_turnover_rate_pct", "2023-10/2024-09"), "value"] == 22.2


def test_icpc_within_15_days_is_derived_from_the_duration_columns(excerpt_read, excerpts):
    obs = excerpt_read.observations
    row = obs[
        (obs["indicator"] == "icpc_within_15_days_pct") & (obs["area"] == "england") & (obs["period"] == "2024-25")
    ].iloc[0]
    line = cells(excerpts / row["source_document"], row["source_line"])
    within = float(line["Duration_0-10_days"]) + float(line["Duration_11-15_days"])
    assert row["derived"] and row["numerator"] == within and row["denominator"] == float(line["ICPC"])
    assert row["value"] == round(within / float(line["ICPC"]) * 100, 1) == 81.4
    assert "Derived" in row["note"]


def test_every_symbol_becomes_a_status_with_no_value(excerpt_read, excerpts):
    obs = excerpt_read.observations
    flagged = obs[obs["value_status"].notna()]
    assert set(flagged["value_status"]) == set(SYMBOL_STATUS.values())
    assert flagged["value"].isna().all()
    mapping = {p.published_as: p for p in load_mapping().publications}
    seen = set()
    for row in flagged[~flagged["derived"]].itertuples(index=False):
        line = cells(excerpts / row.source_document, row.source_line)
        cell = line[_measure_of(mapping[row.source_document], row, line).value]
        assert SYMBOL_STATUS[cell] == row.value_status
        seen.add(cell)
    assert seen == set(SYMBOL_STATUS)  # c, x, z, k, low and u all met in the excerpts


def test_national_and_regional_counts_are_marked_rounded_where_the_dfe_rounds(excerpt_read):
    obs = excerpt_read.observations.set_index(["indicator", "area", "period"])
    assert obs.loc[("referrals", "england", "2024-25"), "rounded"]
    assert obs.loc[("referrals", "london", "2024-25"), "rounded"]
    assert not obs.loc[("referrals", "havering", "2024-25"), "rounded"]
    assert not obs.loc[("population_0_17", "england", "2024-06-30"), "rounded"]  # ONS: to the person
    assert not obs.loc[("csww_vacancy_rate_pct", "england", "2024-09-30"), "rounded"]  # workforce: not to 10


def _copy_with(tmp_path: Path, excerpts: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    shutil.copy(excerpts / name, tmp_path / name)
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / name).write_text(text.replace(old, new, count), encoding="utf-8")
    return tmp_path / name


def test_a_changed_header_is_refused_naming_file_line_and_column(tmp_path, excerpts):
    name = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    _copy_with(tmp_path, excerpts, name, "rereferral_count,rereferral_percent", "rereferral_percent,rereferral_count")
    with pytest.raises(OfficialReadError) as e:
        read_official(tmp_path)
    assert (e.value.file, e.value.line, e.value.column) == (name, 1, "rereferral_percent")
    assert "layout has changed" in str(e.value)


def test_an_unknown_header_is_refused(tmp_path):
    (tmp_path / "other.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(OfficialReadError) as e:
        read_official(tmp_path)
    assert (e.value.file, e.value.line) == ("other.csv", 1)
    assert "matches no publication" in str(e.value)


def test_a_new_category_value_is_refused_not_skipped(tmp_path, excerpts):
    name = "la_care_leavers_activity.csv"
    _copy_with(tmp_path, excerpts, name, '"Total in education, employment or training"', '"Total in EET"')
    with pytest.raises(OfficialReadError) as e:
        read_official(tmp_path)
    assert e.value.file == name and e.value.column == "breakdown" and e.value.line > 1
    assert "'Total in EET'" in str(e.value)


def test_an_unparseable_number_or_unknown_symbol_names_its_cell(tmp_path, excerpts):
    name = "b1_children_in_need_2013_to_2025.csv"
    path = _copy_with(tmp_path, excerpts, name, ",402400,", ",402 400,")
    with pytest.raises(OfficialReadError) as e:
        read_official(tmp_path)
    assert (e.value.file, e.value.line, e.value.column) == (name, 2, "At31_episodes")
    path.write_text((excerpts / name).read_text(encoding="utf-8").replace(",402400,", ",:,", 1), encoding="utf-8")
    with pytest.raises(OfficialReadError) as e:
        read_official(tmp_path)
    assert (e.value.line, e.value.column) == (2, "At31_episodes") and "':'" in str(e.value)


def test_gzipped_files_read_like_plain_ones(tmp_path, excerpts, excerpt_read):
    import gzip

    name = "d3_cpps_subsequent_plan_2013_to_2025.csv"
    (tmp_path / (name + ".gz")).write_bytes(gzip.compress((excerpts / name).read_bytes()))
    got = read_official(tmp_path).observations
    want = excerpt_read.observations
    want = want[want["source_document"] == name].reset_index(drop=True)
    assert got["source_document"].eq(name).all()
    assert got.reset_index(drop=True).astype(object).equals(want.reset_index(drop=True).astype(object))
    assert not math.isnan(got["value"].iloc[0])


def test_an_area_missing_from_the_given_registry_is_an_error(excerpts, excerpt_read):
    name = "ons_mid-year_population_estimates_2012_to_2024.csv"
    without_havering = [a for a in excerpt_read.areas if a.code != "havering"]
    with pytest.raises(OfficialReadError) as e:
        read_official(excerpts / name, areas=without_havering)
    assert e.value.file == name and e.value.column == "old_la_code" and "'311'" in str(e.value)
    assert cells(excerpts / name, e.value.line)["la_name"] == "Havering"


def test_an_abolished_authoritys_z_rows_are_kept_as_not_applicable(snapshot_read):
    obs = snapshot_read.observations
    rows = obs[(obs["area"] == "northamptonshire") & (obs["indicator"] == "children_looked_after")]
    by_period = dict(zip(rows["period"], rows["value_status"], strict=True))
    assert by_period["2025-03-31"] == "not_applicable" and by_period["2021-03-31"] is None


def test_line_numbers_count_a_quoted_cell_that_spans_lines(tmp_path, excerpts):
    name = "b1_children_in_need_2013_to_2025.csv"
    text = (excerpts / name).read_text(encoding="utf-8")
    text = text.replace(",Havering,Children in Need,4483,", ',"Haver\ning",Children in Need,4483,', 1)  # line 10
    text = text.replace(",1504,1460,2558,", ",1504,1460,25 58,", 1)  # Havering 2024: line 20, now 21
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(OfficialReadError) as e:
        read_official(tmp_path)
    assert (e.value.line, e.value.column) == (21, "At31_episodes")
