"""Synthetic observations at national scale, for benchmarks and scale tests only.

Every figure this module writes is made up. It is labelled as such wherever it lands: the file name contains
"synthetic", every row's note says "synthetic", the source document is "synthetic", and the areas it invents
are named "... (synthetic)". It never writes into the bundled dataset folder.

The data has the shape of a national return: 152 local authorities (England has 152 with children's
services), ten financial years of monthly, rolling twelve-month, quarterly and annual periods, every indicator
of the registry with its breakdowns. Rows are generated one at a time and streamed to CSV, so ten million rows
take no more memory than ten. Figures are sensible for their unit and consistent with each other, so the
data-quality checks find next to nothing: counts split into parts that add up to their total, percentages
match their numerator and denominator, shares of one whole add up to 100, rates within parts each have their
own denominator.

    python -m bench.synthetic --rows 1000000 --seed 7 --out /tmp/observations_synthetic.csv
    DATABASE_URL=... python -m bench.synthetic --register-areas   # a benchmark database only
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dashboard.reference.registry import DATASET_DIR, IndicatorSpec, registry
from data_access.importer import COLUMNS
from data_access.periods import Period, financial_year, month, quarter
from data_access.periods import months as months_run

LOCAL_AUTHORITIES = 152
YEARS = 10
FIRST_YEAR = 2014  # financial years 2014-15 to 2023-24
AREA_PREFIX = "synthetic_la_"
LABEL = "synthetic"

# Plausible values for each breakdown dimension of the registry (the registry names dimensions, not values).
BREAKDOWN_VALUES: dict[str, tuple[str, ...]] = {
    "source": (
        "individual",
        "family_member",
        "schools",
        "education_services",
        "gp",
        "health_visitor",
        "school_nurse",
        "other_health",
        "housing",
        "la_services",
        "police",
        "other_legal_agency",
        "other",
        "anonymous",
        "unknown",
    ),
    "mash_rag_rating": ("red", "amber", "green"),
    "category": ("neglect", "emotional", "physical", "sexual", "multiple"),
    "initial_category": ("neglect", "emotional", "physical", "sexual", "multiple"),
    "age_band": ("under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus"),
    "placement_type": (
        "foster_care",
        "placed_for_adoption",
        "placed_with_parents",
        "independent_living",
        "residential_childrens_home",
        "residential_special_school",
        "secure_unit",
        "other",
    ),
    "legal_status": (
        "interim_care_order",
        "full_care_order",
        "placement_order",
        "section_20",
        "police_protection",
        "emergency_protection_order",
        "youth_justice_legal_status",
    ),
    "course": (
        "introduction_to_safeguarding_children",
        "multi_agency_safeguarding_and_child_protection",
        "child_sexual_exploitation",
        "neglect",
        "domestic_abuse",
        "working_with_resistant_families",
        "ending_harmful_practices_multi_agency_workshop",
        "safeguarding_week",
        "serious_case_reviews",
    ),
    "organisation": (
        "police",
        "acute_hospital_trust",
        "community_health",
        "clinical_commissioning_group",
        "childrens_social_care",
        "early_help",
        "schools",
        "early_years",
        "probation",
        "community_rehabilitation_company",
        "housing",
        "voluntary_sector",
        "youth_offending_service",
    ),
    "sex": ("female", "male"),
    "ethnicity": (
        "white",
        "mixed",
        "asian_or_asian_british",
        "black_or_black_british",
        "other_ethnic_group",
        "not_stated",
    ),
    "team": ("mash", "assessment", "children_with_disabilities", "out_of_hours"),
}
GENERIC_VALUES = ("part_a", "part_b", "part_c")  # a dimension added to the registry that is not listed above
# Care leavers are 17 to 21: their age bands are not children's.
CARE_LEAVER_AGE_BANDS = ("17_to_18", "19_to_21")
# Dimensions whose parts make up the whole: a percentage broken down by one of them may be a set of shares.
PARTITIONS = {"category", "initial_category", "age_band", "placement_type", "source", "mash_rag_rating"}


class SyntheticError(ValueError):
    """A request the generator cannot meet; the message says what would work."""


@dataclass(frozen=True)
class _Plan:
    """One indicator's rows within an area-period block."""

    spec: IndicatorSpec
    share: bool  # a percentage split of one whole (no headline row; the parts add up to 100)
    parts: tuple[tuple[str, tuple[str, ...]], ...]  # (dimension, values)

    @property
    def rows(self) -> int:
        return (0 if self.share else 1) + sum(len(v) for _, v in self.parts)


def _plans() -> list[_Plan]:
    plans = []
    for spec in registry().indicators.values():
        parts = []
        for dim in spec.breakdowns:
            values = BREAKDOWN_VALUES.get(dim, GENERIC_VALUES)
            if dim == "age_band" and spec.domain == "care_leavers":
                values = CARE_LEAVER_AGE_BANDS
            parts.append((dim, values))
        # Shares of one whole say so in their title, e.g. "Contacts by source (share)"; others are rates.
        share = (
            spec.unit == "percent"
            and bool(parts)
            and all(d in PARTITIONS for d in spec.breakdowns)
            and "share" in spec.title.lower()
        )
        plans.append(_Plan(spec, share, tuple(parts)))
    return plans


def periods(years: int = YEARS, first_year: int = FIRST_YEAR) -> list[Period]:
    """What a board pack reports over `years` financial years: every month, every rolling twelve months
    (ending each month from the first March on), every quarter and every financial year, in time order."""
    out: list[Period] = []
    months_so_far: list[Period] = []
    for fy in range(first_year, first_year + years):
        for q in range(1, 5):
            for m in range(3):
                calendar_month = 4 + 3 * (q - 1) + m
                y = fy + (calendar_month - 1) // 12
                this = month(y, (calendar_month - 1) % 12 + 1)
                months_so_far.append(this)
                out.append(this)
                if len(months_so_far) >= 12:
                    out.append(months_run(months_so_far[-12], this))
            out.append(quarter(fy, q))
        out.append(financial_year(fy))
    return out


def area_codes(n: int = LOCAL_AUTHORITIES) -> list[str]:
    """The codes of the synthetic local authorities: synthetic_la_001 ..."""
    return [f"{AREA_PREFIX}{i:03d}" for i in range(1, n + 1)]


def block_size() -> int:
    """Rows in one area's figures for one period: every indicator with its breakdowns."""
    return sum(p.rows for p in _plans())


def capacity(areas: int = LOCAL_AUTHORITIES, years: int = YEARS) -> int:
    """The most rows the generator can make without repeating a figure."""
    return block_size() * areas * len(periods(years))


def generate(
    rows: int, seed: int, *, areas: int = LOCAL_AUTHORITIES, years: int = YEARS, source_document: str = LABEL
) -> Iterator[list[str]]:
    """Yield exactly `rows` rows in the import format (COLUMNS order), each figure once.

    The rows come in whole blocks of one area and one period (every indicator and breakdown), spread evenly
    over all areas and periods; only the last block may be cut short. The same seed gives the same rows.
    """
    plans = _plans()
    per_block = sum(p.rows for p in plans)
    ps = periods(years)
    codes = area_codes(areas)
    blocks = len(ps) * len(codes)
    if rows < 1:
        raise SyntheticError("ask for at least one row")
    if rows > per_block * blocks:
        raise SyntheticError(
            f"{rows:,} rows is more than {areas} areas x {years} years can hold "
            f"({per_block * blocks:,}); pass more years"
        )
    rng = random.Random(seed)
    # Children aged 0-17 in each authority: from about 20,000 (a small shire district) to 300,000.
    population = [int(rng.lognormvariate(11.0, 0.6)) + 15_000 for _ in codes]
    population = [min(p, 320_000) for p in population]
    wanted = -(-rows // per_block)  # blocks needed, rounded up
    left = rows
    for b in range(blocks):
        # Take `wanted` of the `blocks` blocks, evenly spaced: block b is taken when the running share steps.
        if (b + 1) * wanted // blocks == b * wanted // blocks:
            continue
        p_index, a_index = divmod(b, len(codes))
        period, area = ps[p_index], codes[a_index]
        scale = population[a_index] / 10_000 * {"month": 1 / 12, "quarter": 0.25}.get(period.kind, 1.0)
        for row in _block(rng, plans, area, period.code, scale, source_document):
            yield row
            left -= 1
            if left == 0:
                return


def _block(
    rng: random.Random, plans: list[_Plan], area: str, period: str, scale: float, source_document: str
) -> Iterator[list[str]]:
    for plan in plans:
        spec = plan.spec
        unit = spec.unit

        def row(
            dim: str, value: str, v: str, num: str = "", den: str = "", code: str = spec.code, unit: str = unit
        ) -> list[str]:
            return [code, area, period, dim, value, v, num, den, unit, source_document, "", LABEL, ""]

        if unit == "count":
            total = max(0, int(rng.gauss(1, 0.15) * _per_10k(spec.code) * scale))
            yield row("", "", str(total))
            for dim, values in plan.parts:
                for value, n in zip(values, _split(rng, total, len(values)), strict=True):
                    yield row(dim, value, str(n))
        elif unit == "percent":
            if plan.share:
                for dim, values in plan.parts:
                    whole = max(1, int(rng.uniform(20, 200) * scale))
                    for value, n in zip(values, _split(rng, whole, len(values)), strict=True):
                        yield row(dim, value, _pct(n, whole), str(n), str(whole))
                continue
            # A rate within each part: the parts' denominators split the headline's, each part its own size.
            rate = rng.uniform(0.35, 0.97)
            widest = max((len(v) for _, v in plan.parts), default=1)
            den = max(widest * (widest + 1) // 2, int(rng.uniform(20, 200) * scale))
            num = min(den, max(0, round(den * (rate + rng.gauss(0, 0.02)))))
            yield row("", "", _pct(num, den), str(num), str(den))
            for dim, values in plan.parts:
                for value, d in zip(values, _distinct_split(rng, den, len(values)), strict=True):
                    n = min(d, max(0, round(d * (rate + rng.uniform(-0.1, 0.1)))))
                    yield row(dim, value, _pct(n, d), str(n), str(d))
        elif unit == "rate_per_10k":
            yield row("", "", f"{rng.uniform(0.5, 1.5) * _per_10k(spec.code):.1f}")
        elif unit in ("days", "weeks"):
            lo, hi = (60, 600) if unit == "days" else (4, 80)
            yield row("", "", str(rng.randint(lo, hi)))
            for dim, values in plan.parts:
                for value in values:
                    yield row(dim, value, str(rng.randint(lo, hi)))
        else:  # ratio
            yield row("", "", f"{rng.uniform(0.5, 2.0):.2f}")
            for dim, values in plan.parts:
                for value in values:
                    yield row(dim, value, f"{rng.uniform(0.5, 2.0):.2f}")


def _per_10k(code: str) -> float:
    """A plausible yearly figure per 10,000 children for an indicator (national orders of magnitude)."""
    if "contact" in code:
        return 2_000.0
    if "referral" in code:
        return 550.0
    if "assessment" in code:
        return 500.0
    if "section_47" in code or "s47" in code or "strategy" in code:
        return 160.0
    if code.startswith("cp_") or "icpc" in code:
        return 45.0
    if "children_in_need" in code or "cin_" in code:
        return 330.0
    if code.startswith("cla") or "looked_after" in code or "uasc" in code or "adopt" in code:
        return 65.0
    if "care_leaver" in code:
        return 30.0
    if code.startswith("training") or "safeguarding_week" in code:
        return 20.0
    return 50.0


def _split(rng: random.Random, total: int, k: int) -> list[int]:
    """`total` split into `k` non-negative whole parts that add up to it exactly."""
    weights = [rng.random() + 0.05 for _ in range(k)]
    s = sum(weights)
    parts = [int(total * w / s) for w in weights]
    parts[rng.randrange(k)] += total - sum(parts)
    return parts


def _distinct_split(rng: random.Random, total: int, k: int) -> list[int]:
    """`total` split into `k` different parts of at least 1 (needs total >= k(k+1)/2), in random order."""
    base = sorted(_split(rng, total - k * (k + 1) // 2, k))
    parts = [b + i + 1 for i, b in enumerate(base)]
    rng.shuffle(parts)
    return parts


def _pct(n: int, d: int) -> str:
    v = round(100 * n / d, 1)
    return str(int(v)) if v.is_integer() else str(v)


def write_csv(
    path: Path | str, rows: int, seed: int, *, progress: Callable[[int], None] | None = None, **kwargs
) -> int:
    """Stream `rows` synthetic rows to a UTF-8 CSV file in the import format; return the number written.

    The file name must say "synthetic", and the file may not go into the bundled dataset. `progress(n)` is
    called every 10,000 rows.
    """
    path = Path(path)
    if LABEL not in path.name.lower():
        raise SyntheticError(f"the file name must say it is synthetic (e.g. observations_{LABEL}.csv), not {path.name}")
    if path.resolve().is_relative_to(DATASET_DIR.resolve()):
        raise SyntheticError("synthetic data never goes into the bundled dataset folder")
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for row in generate(rows, seed, **kwargs):
            w.writerow(row)
            n += 1
            if progress and n % 10_000 == 0:
                progress(10_000)
    if progress and n % 10_000:
        progress(n % 10_000)
    return n


def register_areas(database_url: str, n: int = LOCAL_AUTHORITIES) -> int:
    """Add the synthetic local authorities to a benchmark database's `area` table; return how many were new.

    For benchmark and test databases only: a board's own database should never list made-up authorities. The
    database is named explicitly (never taken from the environment) so that this cannot happen by accident.
    """
    from sqlalchemy import create_engine, select

    from data_access.db import normalise_url
    from data_access.models import Area

    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            have = set(conn.execute(select(Area.code).where(Area.code.like(f"{AREA_PREFIX}%"))).scalars())
            new = [
                {
                    "code": c,
                    "name": f"Authority {c[len(AREA_PREFIX) :]} ({LABEL})",
                    "kind": "local_authority",
                    "board_id": None,
                    "ons_code": None,
                }
                for c in area_codes(n)
                if c not in have
            ]
            if new:
                conn.execute(Area.__table__.insert(), new)
    finally:
        engine.dispose()
    return len(new)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.synthetic",
        description=(
            "Write synthetic observations (made-up figures, labelled synthetic) in the import format, or "
            "register the synthetic local authorities in a benchmark database."
        ),
    )
    p.add_argument("--rows", type=int, default=10_000, help="how many rows (default 10,000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--years",
        type=int,
        default=YEARS,
        help=f"financial years from {FIRST_YEAR}-{(FIRST_YEAR + 1) % 100:02d} (default {YEARS})",
    )
    p.add_argument("--out", help="the CSV file to write; its name must contain 'synthetic'")
    p.add_argument(
        "--register-areas",
        metavar="DATABASE_URL",
        help="add the synthetic local authorities to this benchmark database",
    )
    args = p.parse_args(argv)
    if not args.out and not args.register_areas:
        p.error("give --out FILE, --register-areas DATABASE_URL, or both")
    try:
        if args.register_areas:
            print(f"{register_areas(args.register_areas)} synthetic areas added")
        if args.out:
            from tqdm import tqdm

            with tqdm(total=args.rows, unit=" rows", unit_scale=True, file=sys.stderr) as bar:
                n = write_csv(args.out, args.rows, args.seed, years=args.years, progress=bar.update)
            print(f"wrote {n:,} synthetic rows to {args.out}")
    except SyntheticError as e:
        print(f"python -m bench.synthetic: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
