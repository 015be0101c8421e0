"""The indicator registry: dashboard/dataset/indicators.yaml and areas.yaml, validated when loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DATASET_DIR = Path(__file__).resolve().parents[1] / "dataset"
UNITS = ("count", "percent", "rate_per_10k", "days", "weeks", "ratio")
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
RULE_KINDS = ("target", "comparator", "range", "none")
AREA_KINDS = ("local_authority", "board_total", "comparator")
UNIT_LABELS = {
    "count": "",
    "percent": "%",
    "rate_per_10k": " per 10,000",
    "days": " days",
    "weeks": " weeks",
    "ratio": "",
}


class RegistryError(ValueError):
    """The registry file is wrong; the message names the entry and the field."""


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    target: float | None = None
    tolerance: float | None = None
    range_low: float | None = None
    range_high: float | None = None
    comparator: str | None = None
    source_document: str | None = None
    source_line: int | None = None
    source_quote: str | None = None
    default_reason: str | None = None
    applies_from: str = ""

    @property
    def provenance(self) -> str:
        """Where the target came from, in words."""
        if self.source_document:
            return f'{self.source_document}, line {self.source_line}: "{self.source_quote}"'
        return self.default_reason or ""


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    title: str
    domain: str
    unit: str
    polarity: str
    definition: str
    definition_source: str
    breakdowns: tuple[str, ...]
    rule: RuleSpec
    headline: bool = False
    order: int = 0


@dataclass(frozen=True)
class DomainSpec:
    """A part of the service. One with `shown_on` has no page of its own: its charts are drawn on that domain's
    page, and `path` is that page's."""

    code: str
    title: str
    path: str
    description: str
    nav_label: str = ""
    shown_on: str | None = None

    @property
    def has_page(self) -> bool:
        return self.shown_on is None


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    kind: str
    board: str | None = None
    ons_code: str | None = None


@dataclass(frozen=True)
class BoardSpec:
    code: str
    name: str
    short_name: str


@dataclass(frozen=True)
class Registry:
    domains: dict[str, DomainSpec]
    indicators: dict[str, IndicatorSpec]
    boards: dict[str, BoardSpec]
    areas: dict[str, AreaSpec]
    defaults: dict = field(default_factory=dict)

    def in_domain(self, domain: str) -> list[IndicatorSpec]:
        return [i for i in self.indicators.values() if i.domain == domain]

    def page_domains(self, domain: str) -> tuple[str, ...]:
        """The domains a domain's page draws: its own, then every domain shown on it, in registry order."""
        return (domain, *(d.code for d in self.domains.values() if d.shown_on == domain))

    def domain_pages(self) -> list[DomainSpec]:
        """The domains that have a page of their own, in registry order."""
        return [d for d in self.domains.values() if d.has_page]

    def board_areas(self, board: str) -> list[AreaSpec]:
        return [a for a in self.areas.values() if a.board == board and a.kind != "comparator"]


def _need(entry: dict, key: str, where: str):
    if key not in entry or entry[key] in (None, ""):
        raise RegistryError(f"{where}: '{key}' is required")
    return entry[key]


def _rule(raw: dict | None, where: str, area_codes: set[str]) -> RuleSpec:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: 'rag' is required (use kind: none with a reason to leave it unrated)")
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        raise RegistryError(f"{where}: rag.kind must be one of {', '.join(RULE_KINDS)}, not {kind!r}")
    src = raw.get("source") or {}
    spec = RuleSpec(
        kind=kind,
        target=raw.get("target"),
        tolerance=raw.get("tolerance"),
        range_low=(raw.get("range") or [None, None])[0],
        range_high=(raw.get("range") or [None, None])[1],
        comparator=raw.get("comparator"),
        source_document=src.get("document"),
        source_line=src.get("line"),
        source_quote=src.get("quote"),
        default_reason=raw.get("default_reason") or raw.get("reason"),
        applies_from=str(raw.get("applies_from", "")),
    )
    if kind == "target" and (spec.target is None or spec.tolerance is None):
        raise RegistryError(f"{where}: a target rule needs 'target' and 'tolerance'")
    if kind == "comparator":
        if spec.comparator not in area_codes:
            raise RegistryError(f"{where}: comparator {spec.comparator!r} is not an area")
        if spec.tolerance is None:
            raise RegistryError(f"{where}: a comparator rule needs 'tolerance'")
    if kind == "range" and (spec.range_low is None or spec.range_high is None):
        raise RegistryError(f"{where}: a range rule needs 'range: [low, high]'")
    if kind != "none" and not (spec.source_document or spec.default_reason):
        raise RegistryError(
            f"{where}: say where the target came from ('source') or why it is a default ('default_reason')"
        )
    if kind == "none" and not spec.default_reason:
        raise RegistryError(f"{where}: an unrated indicator needs a 'reason'")
    if spec.source_document and not isinstance(spec.source_line, int):
        raise RegistryError(f"{where}: rag.source needs the line number")
    return spec


def _domains(raw) -> dict[str, DomainSpec]:
    """The domains block: each has a title and either its own page (`path`) or the domain whose page shows it
    (`shown_on`), which must itself have a page."""
    if not isinstance(raw, dict) or not raw:
        raise RegistryError("indicators.yaml: 'domains' is required, one entry per part of the service")
    for code, d in raw.items():
        if not isinstance(d, dict):
            raise RegistryError(f"indicators.yaml domain {code!r}: give its title and path")
    paths: dict[str, str] = {}
    domains: dict[str, DomainSpec] = {}
    for code, d in raw.items():
        where = f"indicators.yaml domain {code!r}"
        title = _need(d, "title", where)
        host = d.get("shown_on")
        if host is None:
            path = _need(d, "path", where)
            if not str(path).startswith("/"):
                raise RegistryError(f"{where}: 'path' must start with '/', not {path!r}")
            if path in paths or path in ("/", "/exceptions", "/challenges", "/about") or path.startswith("/indicator"):
                raise RegistryError(f"{where}: path {path!r} is already the address of another page")
            paths[path] = code
        else:
            other = raw.get(host)
            if not isinstance(other, dict) or other.get("shown_on") is not None or host == code:
                raise RegistryError(f"{where}: shown_on must name a domain with a page of its own, not {host!r}")
            if d.get("path") not in (None, other.get("path")):
                raise RegistryError(f"{where}: a domain shown on {host!r} has that page's path, not its own")
            path = other.get("path") or ""
        domains[code] = DomainSpec(code, title, path, d.get("description", ""), d.get("nav") or title, host)
    return domains


def load_registry(directory: Path = DATASET_DIR) -> Registry:
    """Read and validate the registry files; raise RegistryError naming the first problem."""
    ind_raw = yaml.safe_load((directory / "indicators.yaml").read_text(encoding="utf-8"))
    area_raw = yaml.safe_load((directory / "areas.yaml").read_text(encoding="utf-8"))

    boards = {}
    for b in area_raw.get("boards", []):
        where = f"areas.yaml board {b.get('code')!r}"
        boards[_need(b, "code", where)] = BoardSpec(
            b["code"], _need(b, "name", where), b.get("short_name") or b["name"]
        )
    areas = {}
    for a in area_raw.get("areas", []):
        where = f"areas.yaml area {a.get('code')!r}"
        code = _need(a, "code", where)
        if code in areas:
            raise RegistryError(f"{where}: listed twice")
        if a.get("kind") not in AREA_KINDS:
            raise RegistryError(f"{where}: kind must be one of {', '.join(AREA_KINDS)}")
        if a.get("board") and a["board"] not in boards:
            raise RegistryError(f"{where}: board {a['board']!r} is not listed under boards")
        areas[code] = AreaSpec(code, _need(a, "name", where), a["kind"], a.get("board"), a.get("ons_code"))

    domains = _domains(ind_raw.get("domains"))

    indicators: dict[str, IndicatorSpec] = {}
    for order, e in enumerate(ind_raw.get("indicators") or []):
        where = f"indicators.yaml entry {order + 1} ({e.get('code')!r})"
        code = _need(e, "code", where)
        if code in indicators:
            raise RegistryError(f"{where}: code listed twice")
        if not code.replace("_", "").isalnum() or code != code.lower():
            raise RegistryError(f"{where}: code must be snake_case")
        if e.get("domain") not in domains:
            raise RegistryError(f"{where}: domain must be one of {', '.join(domains)}")
        if e.get("unit") not in UNITS:
            raise RegistryError(f"{where}: unit must be one of {', '.join(UNITS)}")
        if e.get("polarity") not in POLARITIES:
            raise RegistryError(f"{where}: polarity must be one of {', '.join(POLARITIES)}")
        rule = _rule(e.get("rag"), where, set(areas))
        if e["polarity"] == "neutral" and rule.kind in ("target", "comparator"):
            raise RegistryError(f"{where}: a neutral measure is rated against a range or not at all")
        indicators[code] = IndicatorSpec(
            code=code,
            title=_need(e, "title", where),
            domain=e["domain"],
            unit=e["unit"],
            polarity=e["polarity"],
            definition=_need(e, "definition", where),
            definition_source=e.get("definition_source", ""),
            breakdowns=tuple(e.get("breakdowns") or ()),
            rule=rule,
            headline=bool(e.get("headline", False)),
            order=order,
        )
    return Registry(domains, indicators, boards, areas, dict(ind_raw.get("defaults") or {}))


@cache
def registry() -> Registry:
    """The bundled registry, loaded once per process."""
    return load_registry()
