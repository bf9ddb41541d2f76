"""``manage.py generate_cases``: synthetic cases at volume for benchmarks, through the batch services.

Rows are made from a seeded random stream and the row's global number, so IDs stay unique without
keeping a set in memory (a million rows): the birth date and order number of the resident ID come
from the number, the check character from law/. Loans and parties go in with ``loans_import_batch``
and cases with ``cases_open_batch``, a chunk at a time; a share of the cases get a first-instance
proceeding through ``proceeding_open`` (there is no batch service for proceedings yet).

Chinese names and the court case-number pattern are data, read from the demo app's names.json
through the app registry (cases may not import demo: the layers contract); without the demo app
the names are drawn from the CJK block and no case numbers are given. ``bench/bench_cases.py``
calls ``generate_cases`` directly.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from loanlit.accounts.models import User
from loanlit.cases.models import Court
from loanlit.cases.services import cases as case_services
from loanlit.cases.services import proceedings as proceeding_services
from loanlit.core.models import Creditor, OrgUnit
from loanlit.law import causes
from loanlit.law.identifiers import ric_check_digit
from loanlit.loans import services as loan_services
from loanlit.loans.models import LoanContract
from loanlit.parties.services import PartyInput

PREFIX: Final = "GEN"
PRODUCTS: Final = (("consumer", 5), ("credit_card", 3), ("business", 1), ("micro", 1))
BIRTH_START: Final = date(1958, 1, 1)
BIRTH_DAYS: Final = 14_000  # about 38 years of birth dates
ORDERS_PER_SEX: Final = 499  # order numbers of one sex per birth date and region
ORDERS: Final = 2 * ORDERS_PER_SEX
DEFAULT_CREDITOR: Final = "DEMO-BANK"
DEFAULT_ACTOR: Final = "admin"
MOBILE_PREFIXES: Final = ("135", "136", "138", "139", "150", "158", "186", "188")
Log = Callable[[str], Any]
Sex = Literal["male", "female"]


@cache
def names_data() -> dict[str, Any]:
    """Surnames, given-name characters and case-number patterns from the demo app, when installed."""
    if apps.is_installed("loanlit.demo"):
        path = Path(apps.get_app_config("demo").path) / "portfolio" / "names.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    block = [chr(code) for code in range(0x4E00, 0x4E00 + 400)]  # CJK Unified Ideographs, no literals
    return {"surnames": block[:100], "given_male": block[100:250], "given_female": block[250:], "case_numbers": {}}


def resident_id(region: str, birth: date, order: int, sex: Sex) -> str:
    """18-character resident ID with its check character (GB 11643-1999).

    The 3-digit order number is odd for men (001–997) and even for women (002–998); ``order`` picks
    one of the 499 numbers of each sex, so (birth date, order, sex) never gives the same ID twice.
    """
    number = order % ORDERS_PER_SEX * 2 + (1 if sex == "male" else 2)
    body = f"{region}{birth:%Y%m%d}{number:03d}"
    return body + ric_check_digit(body)


@dataclass
class GenerateResult:
    cases: int = 0
    proceedings: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def _region(unit: OrgUnit) -> str:
    code = unit.region_code or "110000"
    # A resident ID carries a county-level code; a branch registered at province level gets its capital's.
    return code[:2] + "0101" if code.endswith("0000") else code


def _court_for(unit: OrgUnit, courts: list[Court]) -> Court | None:
    region = unit.region_code or ""
    exact = [c for c in courts if c.region_code == region and c.level == "basic"]
    same_province = [c for c in courts if c.region_code[:2] == region[:2] and c.level == "basic"]
    pool = exact or same_province or [c for c in courts if c.level == "basic"]
    return pool[0] if pool else None


def _handlers(creditor: Creditor, units: list[OrgUnit]) -> dict[int, User | None]:
    handlers = list(
        User.objects.filter(creditors=creditor, role__code="case_handler", is_active=True).select_related("unit")
    )
    found: dict[int, User | None] = {}
    for unit in units:
        # The handler of the unit itself, else of an ancestor unit (a branch handler covers its sub-branches).
        mine = [h for h in handlers if h.unit is not None and unit.path.startswith(h.unit.path)]
        found[unit.pk] = max(mine, key=lambda h: len(h.unit.path)) if mine else None  # type: ignore[union-attr]
    return found


def generate_cases(
    *,
    actor: User,
    creditor: Creditor,
    count: int,
    seed: int = 1,
    chunk: int = 1000,
    proceeding_share: float = 0.1,
    log: Log | None = None,
    today: date | None = None,
) -> GenerateResult:
    """Create ``count`` synthetic loans, borrowers and cases for ``creditor``; returns the time taken."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    # Only units the actor may open cases for: its own subtree when it has a unit.
    in_scope = OrgUnit.objects.order_by("path")
    actor_unit = getattr(actor, "unit", None)
    if actor_unit is not None:
        in_scope = in_scope.filter(path__startswith=actor_unit.path)
    units = list(in_scope.exclude(kind=OrgUnit.Kind.HEAD_OFFICE)) or list(in_scope)
    if not units:
        raise ValueError("No organisation units: run `manage.py bootstrap` first.")
    handlers = _handlers(creditor, units)
    courts = list(Court.objects.filter(is_active=True).order_by("code"))
    court_by_unit = {u.pk: _court_for(u, courts) for u in units}
    data = names_data()
    surnames, given = data["surnames"], data["given_male"] + data["given_female"]
    mobiles = data.get("mobile_prefixes") or MOBILE_PREFIXES
    number_format = data["case_numbers"].get("first_instance", "")
    # Global row numbers continue after earlier runs, so IDs and contract numbers never repeat.
    first = LoanContract.objects.filter(creditor=creditor, contract_no__startswith=PREFIX).count()
    rng = random.Random(f"{seed}:{first}")
    product_names = [p for p, _ in PRODUCTS]
    product_weights = [w for _, w in PRODUCTS]
    result = GenerateResult()
    for chunk_start in range(first, first + count, chunk):
        numbers = range(chunk_start, min(chunk_start + chunk, first + count))
        rows = []
        row_units = []
        for n in numbers:
            unit = units[n % len(units)]
            sex: Sex = "male" if n % 2 else "female"
            birth = BIRTH_START + timedelta(days=(n // ORDERS) % BIRTH_DAYS)
            product = rng.choices(product_names, weights=product_weights)[0]
            start = date(2018, 1, 1) + timedelta(days=rng.randrange(2500))
            term = rng.choice((12, 24, 36, 60))
            principal = Decimal(rng.randrange(500_000, 50_000_000)).scaleb(-2)
            rate = Decimal(rng.randrange(3450, 18000)).scaleb(-3)
            overdue = start + timedelta(days=rng.randrange(30, 700))
            rows.append(
                loan_services.LoanInput(
                    contract_no=f"{PREFIX}{seed}-{n:08d}",
                    unit=unit,
                    product=product,
                    principal=principal,
                    annual_rate=rate,
                    start_date=start,
                    term_months=term,
                    maturity_date=start + timedelta(days=term * 30),
                    repayment_method="revolving" if product == "credit_card" else "equal_instalment",
                    overdue_since=overdue,
                    risk_class="substandard",
                    external_ref=f"synthetic:{seed}:{n}",
                    borrowers=[
                        PartyInput(
                            name=rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2)))),
                            id_number=resident_id(_region(unit), birth, n % ORDERS // 2, sex),
                            mobile=mobiles[n % len(mobiles)] + f"{(n * 7919 + seed) % 10**8:08d}",
                        )
                    ],
                    snapshot=loan_services.SnapshotInput(
                        as_of=overdue + timedelta(days=rng.randrange(30, 400)),
                        principal=(principal * Decimal(rng.randrange(30, 100)) / 100).quantize(Decimal("0.01")),
                    ),
                )
            )
            row_units.append(unit)
        with transaction.atomic():
            imported = loan_services.loans_import_batch(actor=actor, creditor=creditor, rows=rows, as_of=today)
            if imported.errors:
                bad = imported.errors[0]
                raise ValueError(f"Synthetic loan {bad.contract_no} refused: {'; '.join(bad.errors)}")
            loans = [row.loan for row in imported.rows]
            with_proceeding = [rng.random() < proceeding_share for _ in loans]
            opened = case_services.cases_open_batch(
                actor=actor,
                rows=[
                    case_services.CaseOpenInput(
                        creditor=creditor,
                        handling_unit=unit,
                        cause_of_action=causes.CAUSES_BY_KEY[
                            "credit_card" if loan.product == "credit_card" else "financial_loan"
                        ].name,
                        loans=[loan],
                        handler=handlers.get(unit.pk),
                        opened_on=today - timedelta(days=15 + rng.randrange(1000)),
                        priority=rng.choice(("low", "normal", "normal", "normal", "high")),
                        stage="filed" if proceed else "pre_litigation",
                    )
                    for loan, unit, proceed in zip(loans, row_units, with_proceeding, strict=True)
                    if loan is not None
                ],
            )
            for case, unit, proceed, n in zip(opened, row_units, with_proceeding, numbers, strict=True):
                court = court_by_unit.get(unit.pk)
                if not proceed or court is None:
                    continue
                filed = case.opened_on + timedelta(days=10)
                number = (
                    number_format.format(year=filed.year, court=court.caseno_code, seq=10_000 + n)
                    if number_format and court.caseno_code and n % 2
                    else ""
                )
                proceeding_services.proceeding_open(
                    actor=actor,
                    case=case,
                    kind="first_instance",
                    court=court,
                    court_case_number=number,
                    filed_on=filed,
                    accepted_on=filed + timedelta(days=3) if number else None,
                )
                result.proceedings += 1
        result.cases += len(opened)
        if log is not None:
            elapsed = time.perf_counter() - started
            log(f"  {result.cases:,}/{count:,} cases ({result.cases / elapsed:,.0f}/s)")
    # Fresh statistics for the planner: without them SQLite sorts the whole case table for the list
    # instead of walking the (opened_on, id) index. Statistics, not data: no domain row is written.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result.seconds = time.perf_counter() - started
    return result


class Command(BaseCommand):
    help = (
        "Create N synthetic loans, borrowers and cases (a share with a first-instance proceeding) through "
        "the batch services, for benchmarks. IDs and contract numbers continue after earlier runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many cases to create.")
        parser.add_argument("--creditor", default=DEFAULT_CREDITOR, help="Creditor code (default: the demo bank).")
        parser.add_argument("--actor", default=DEFAULT_ACTOR, help="User name the writes are audited under.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same data).")
        parser.add_argument("--chunk", type=int, default=1000, help="Rows per batch transaction.")
        parser.add_argument(
            "--proceedings", type=float, default=0.1, help="Share of cases with a first-instance proceeding (0–1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1:
            raise CommandError("--count must be at least 1.")
        if not 0 <= options["proceedings"] <= 1:
            raise CommandError("--proceedings must be between 0 and 1.")
        creditor = Creditor.objects.filter(code=options["creditor"]).first()
        if creditor is None:
            raise CommandError(f"No creditor with code {options['creditor']!r} (run `manage.py bootstrap` first).")
        actor = User.objects.filter(username=options["actor"]).first()
        if actor is None:
            raise CommandError(f"No user {options['actor']!r} (run `manage.py bootstrap` first).")
        self.stdout.write(f"Generating {options['count']:,} cases for {creditor.code} (seed {options['seed']})…")
        result = generate_cases(
            actor=actor,
            creditor=creditor,
            count=options["count"],
            seed=options["seed"],
            chunk=max(1, options["chunk"]),
            proceeding_share=options["proceedings"],
            log=self.stdout.write,
        )
        self.stdout.write(
            f"Created {result.cases:,} cases ({result.proceedings:,} with a proceeding) in "
            f"{result.seconds:.1f}s = {result.rate:,.0f} cases/s."
        )
