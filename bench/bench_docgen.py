"""Generating complaints (issue 8): 1,000 element-style complaints from the built-in template.

* **product** — ``loanlit.docgen.services.render_for_case`` for each of BENCH_DOCGEN cases (default
  1,000; ``--smoke`` 20) made by ``generate_cases``: the permission checks, the context built from the
  database (parties, loans, security, the claim to today through ``cases.services.claims``, fees, Chinese
  capitals and dates), the access-log row of the personal-data read, the docxtpl render and the .docx.
* **floor** — plain docxtpl: ``DocxTemplate(path).render(context, autoescape=True)`` and ``save`` in a
  loop, the same template and one context dict (the first case's) every time.

Target (2 cores): product ≤ 30 s for 1,000 and within 1.5× the floor.
"""

from __future__ import annotations

import io
import os
import time

from bench.common import Figure

SMOKE = 20
FULL = 1_000
TARGET_SECONDS = 30.0
TARGET_RATIO = 1.5
CODE = "complaint_element_financial_loan"


def _setup(count: int):  # type: ignore[no-untyped-def]
    from loanlit.accounts import services as accounts
    from loanlit.cases.management.commands.generate_cases import generate_cases
    from loanlit.cases.models import Case
    from loanlit.docgen.services import ensure_builtin_templates

    ensure_builtin_templates()
    creditor = accounts.creditor_create(
        actor=None, code="BENCH-G", name="Bench Bank G", kind="bank", legal_name="Bench Bank G Co., Ltd."
    )
    head = accounts.org_unit_create(actor=None, code="BGH", name="Bench G head office", kind="head_office")
    branch = accounts.org_unit_create(
        actor=None, code="BGB", name="Bench G branch", kind="branch", parent=head, region_code="110000"
    )
    admin = accounts.user_create(
        actor=None,
        username="bench.docgen.admin",
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    manager = accounts.user_create(
        actor=None,
        username="bench.docgen.manager",
        password=None,
        role_code="legal_manager",
        unit=head,
        creditors=[creditor],
    )
    assert branch.pk
    generate_cases(actor=admin, creditor=creditor, count=count, seed=11, chunk=1000, proceeding_share=0.5)
    cases = list(Case.objects.filter(creditor=creditor).order_by("pk")[:count])
    return manager, cases


def run(smoke: bool) -> list[Figure]:
    from docxtpl import DocxTemplate

    from loanlit.docgen.context import build_context
    from loanlit.docgen.render import jinja_env
    from loanlit.docgen.services import render_for_case
    from loanlit.docgen.specs import docx_path, spec_for

    count = SMOKE if smoke else int(os.environ.get("BENCH_DOCGEN", FULL))
    manager, cases = _setup(count)
    path = docx_path(spec_for(CODE))  # type: ignore[arg-type]

    started = time.perf_counter()
    sizes = 0
    for case in cases:
        sizes += len(render_for_case(actor=manager, case=case, template_code=CODE))
    product = time.perf_counter() - started

    context = build_context(case=cases[0], reveal=True)
    started = time.perf_counter()
    for _ in cases:
        template = DocxTemplate(path)
        template.render(context, jinja_env=jinja_env(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
    floor = time.perf_counter() - started

    ratio = product / floor if floor else float("inf")
    verdict = "ok" if (smoke or (product <= TARGET_SECONDS * len(cases) / FULL and ratio <= TARGET_RATIO)) else "MISSED"
    print(
        f"   {len(cases):,} complaints: product {product:.2f}s ({len(cases) / product:,.1f}/s), "
        f"floor {floor:.2f}s ({len(cases) / floor:,.1f}/s), ratio {ratio:.2f}x "
        f"(target ≤ {TARGET_SECONDS:.0f}s per 1,000 and ≤ {TARGET_RATIO}x: {verdict}); "
        f"average .docx {sizes / len(cases) / 1024:.0f} KiB"
    )
    return [Figure("complaints (render_for_case)", len(cases), product, "plain docxtpl render + save", floor)]
