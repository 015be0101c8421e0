"""The bundled snapshot: exactly the published files, read whole with no error, with figures for Havering 2024-25."""

from __future__ import annotations

import gzip
import hashlib
import re

from dashboard.official import SNAPSHOT_DIR
from dashboard.official.mapping import load_mapping


def test_the_snapshot_is_the_published_files_as_listed_in_sources():
    sources = (SNAPSHOT_DIR / "SOURCES.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\S+\.csv\.gz) \|.*\| ([0-9a-f]{64}) \|$", sources, re.M))
    files = sorted(p.name for p in SNAPSHOT_DIR.glob("*.csv.gz"))
    assert files == sorted(listed) and len(files) == 15
    for name in files:
        assert hashlib.sha256(gzip.decompress((SNAPSHOT_DIR / name).read_bytes())).hexdigest() == listed[name]
    assert "Open Government Licence v3.0" in sources and "08a6c6e75c1180d741060310d58070b193c7d467" in sources


def test_the_whole_snapshot_reads_with_no_error(snapshot_read):
    assert len(snapshot_read.files) == 15
    publications = {f.publication for f in snapshot_read.files}
    assert publications == {p.id for p in load_mapping().publications} | {"neighbours_2021", "neighbours_2025"}
    obs = snapshot_read.observations
    assert len(obs) > 80_000
    assert not obs.duplicated(["indicator", "area", "period", "breakdown_dimension", "breakdown_value"]).any()
    # a number, or a status saying why there is none: never both, never neither
    assert (obs["value"].isna() == obs["value_status"].notna()).all()


def test_havering_2024_25_with_england_and_london_to_compare(snapshot_read):
    obs = snapshot_read.observations
    latest = obs[(obs["breakdown_dimension"] == "") & obs["period"].isin(["2024-25", "2025-03-31"])]
    by_area = {a: set(latest.loc[latest["area"] == a, "indicator"]) for a in ("havering", "england", "london")}
    for indicator in (
        "referrals",
        "re_referrals_12m_pct",
        "section_47_enquiries",
        "icpc_within_15_days_pct",
        "cp_plans_second_subsequent_pct",
        "cp_plans",
        "children_looked_after",
        "cla_rate_per_10k",
        "cla_3_plus_placements_pct",
        "cla_long_term_stability_pct",
        "care_leavers_eet_pct",
        "care_leavers_suitable_accommodation_pct",
    ):
        for area, found in by_area.items():
            assert indicator in found, (indicator, area)
    h = latest[latest["area"] == "havering"].set_index("indicator")
    assert h.loc["referrals", "value"] == 3592 and h.loc["referrals", "source_line"] == 158
    assert h.loc["children_looked_after", "value"] == 268


def test_reading_is_fast(snapshot_read):
    rows = len(snapshot_read.observations)
    # measured at about 3 seconds on a laptop; a generous bound catches a per-cell slowdown
    assert snapshot_read.seconds < 20, f"{rows} rows in {snapshot_read.seconds:.1f} s"


def test_every_period_and_area_is_one_the_dashboard_accepts(snapshot_read):
    from data_access.periods import parse_period

    for period in set(snapshot_read.observations["period"]):
        parse_period(period)
    codes = [a.code for a in snapshot_read.areas]
    assert len(codes) == len(set(codes))
    assert set(snapshot_read.observations["area"]) <= set(codes)
