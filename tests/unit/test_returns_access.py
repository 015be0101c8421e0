"""Who may see the child-level rows behind a figure: contributors and analysts, nobody else."""

import pytest

from dashboard.returns.access import ChildLevelRefused, drill_down, export_child_level, may_see_child_level


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("contributor", True),
        ("analyst", True),
        ("Analyst ", True),
        ("viewer", False),
        ("chair", False),
        ("admin", False),
        ("", False),
        (None, False),
        ("auditor", False),
    ],
)
def test_only_contributors_and_analysts_may_see_child_level_rows(role, allowed):
    assert may_see_child_level(role) is allowed


def test_a_user_granted_several_roles_may_see_them_when_one_is_contributor_or_analyst():
    assert may_see_child_level({"chair", "contributor"})
    assert not may_see_child_level(["viewer", "chair", "admin"])


def test_a_viewer_is_refused_before_anything_is_read_and_an_export_needs_the_explicit_flag(tmp_path):
    with pytest.raises(ChildLevelRefused, match="contributors and analysts only"):
        drill_down("viewer", "cla_3_plus_placements_pct", "havering", "2023-24")
    audited = []
    with pytest.raises(ChildLevelRefused, match="explicitly"):
        export_child_level(
            "analyst",
            "cla_3_plus_placements_pct",
            "havering",
            "2023-24",
            tmp_path / "x.csv",
            include_child_level=False,
            audit=audited.append,
        )
    assert audited == [] and not (tmp_path / "x.csv").exists()
