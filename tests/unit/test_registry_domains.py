"""The domains block of the registry: each part of the service has a title and a page of its own, or is shown on
another domain's page; a mistake stops the start with a message naming the domain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dashboard.reference.registry import DATASET_DIR, RegistryError, load_registry, registry


def test_partnership_is_drawn_on_the_child_protection_page_and_has_no_page_of_its_own():
    reg = registry()
    assert reg.domains["partnership"].shown_on == "child_protection"
    assert reg.page_domains("child_protection") == ("child_protection", "partnership")
    assert reg.page_domains("front_door") == ("front_door",)
    assert "partnership" not in [d.code for d in reg.domain_pages()]
    # Its indicators' breadcrumbs lead to the page that shows them.
    assert reg.domains["partnership"].path == "/child-protection"


def test_pages_keep_their_order_and_short_names_in_the_navigation():
    pages = [(d.nav_label, d.path) for d in registry().domain_pages()]
    assert pages == [
        ("Front door", "/front-door"),
        ("Child protection", "/child-protection"),
        ("Looked after", "/looked-after"),
        ("Care leavers", "/care-leavers"),
        ("Training", "/training"),
        ("Board business", "/board-business"),
    ]


def _with_domains(tmp_path: Path, domains: dict) -> Path:
    raw = yaml.safe_load((DATASET_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    raw["domains"] = domains
    # Indicators of a domain taken out move to the first one left, so only the domains block is under test.
    first = next(iter(domains))
    for i in raw["indicators"]:
        if i["domain"] not in domains:
            i["domain"] = first
    (tmp_path / "indicators.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    shutil.copy(DATASET_DIR / "areas.yaml", tmp_path / "areas.yaml")
    return tmp_path


BUNDLED = yaml.safe_load((DATASET_DIR / "indicators.yaml").read_text(encoding="utf-8"))["domains"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"front_door": {"path": "/front-door"}}, "domain 'front_door': 'title' is required"),
        ({"front_door": {"title": "Front door"}}, "domain 'front_door': 'path' is required"),
        ({"front_door": {"title": "Front door", "path": "front-door"}}, "'path' must start with '/'"),
        ({"training": {"title": "Training", "path": "/front-door"}}, "already the address of another page"),
        ({"training": {"title": "Training", "path": "/exceptions"}}, "already the address of another page"),
        ({"partnership": {"title": "Partnership", "shown_on": "safeguarding"}}, "shown_on must name a domain"),
        ({"partnership": {"title": "Partnership", "shown_on": "partnership"}}, "shown_on must name a domain"),
        (
            {"partnership": {"title": "Partnership", "shown_on": "child_protection", "path": "/partnership"}},
            "has that page's path",
        ),
    ],
)
def test_a_wrong_domain_stops_the_start_with_a_message_naming_it(tmp_path, change, message):
    with pytest.raises(RegistryError, match=message):
        load_registry(_with_domains(tmp_path, {**BUNDLED, **change}))


def test_a_domain_shown_on_a_domain_that_is_itself_shown_elsewhere_is_refused(tmp_path):
    domains = {**BUNDLED, "safeguarding": {"title": "Safeguarding", "shown_on": "partnership"}}
    with pytest.raises(RegistryError, match="domain 'safeguarding': shown_on must name a domain with a page"):
        load_registry(_with_domains(tmp_path, domains))


def test_the_bundled_domains_block_loads_as_it_is(tmp_path):
    assert load_registry(_with_domains(tmp_path, BUNDLED)).domains == registry().domains
