"""Display filters for the case pages: money to the cent, causes of action in the active language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django import template
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from loanlit.core import money as m
from loanlit.law import causes
from loanlit.rules.texts import law_language

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """12345.67 → "12,345.67"; empty stays empty (a missing amount is not zero)."""
    if value is None or value == "":
        return ""
    try:
        return m.format_money(Decimal(str(value)))
    except (ArithmeticError, m.MoneyError, ValueError):
        return str(value)


@register.filter
def cause_label(name: str) -> str:
    """The official (Chinese) cause name, or its English form when English is active."""
    cause = causes.CAUSES_BY_NAME.get(name or "")
    if cause is None:
        return name or ""
    if law_language() == "en":
        return cause.name_en[:1].upper() + cause.name_en[1:]
    return cause.name


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if not mapping:
        return None
    return mapping.get(key)


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or ""))


BUCKET_LABELS: Final = {
    "costs": gettext_lazy("Costs"),
    "contract_interest": gettext_lazy("Contract interest"),
    "penalty_interest": gettext_lazy("Penalty interest"),
    "compound_interest": gettext_lazy("Compound interest"),
    "principal": gettext_lazy("Principal"),
    "judgment_debt": gettext_lazy("Judgment debt"),
    "delayed_performance_interest": gettext_lazy("Interest for delayed performance"),
}


# Names of the fields an "updated" event lists (its params hold the names, never the values).
CHANGED_LABELS: Final = {
    "handler": gettext_lazy("handler"),
    "co_handlers": gettext_lazy("co-handlers"),
    "priority": gettext_lazy("priority"),
    "tags": gettext_lazy("tags"),
    "court": gettext_lazy("court"),
    "court_case_number": gettext_lazy("court case number"),
    "filed_on": gettext_lazy("filed on"),
    "accepted_on": gettext_lazy("accepted on"),
    "judge": gettext_lazy("judge"),
    "clerk": gettext_lazy("clerk"),
}


@register.filter
def bucket_label(bucket: str) -> str:
    """An allocation bucket of law.allocation in words."""
    return str(BUCKET_LABELS.get(bucket, bucket))


def event_summary(event: Any, stage_names: dict[str, str]) -> str:
    """One line of what a timeline event says, from its params (which never hold personal data)."""
    from loanlit.cases.models import CaseEvent, CostEntry, Hearing, Proceeding, Recovery, ServiceRecord

    p = event.params or {}
    kind = event.kind
    amount = f"{p.get('currency', '')} {money(p.get('amount'))}".strip()
    if kind in (CaseEvent.Kind.STAGE_CHANGED, CaseEvent.Kind.CLOSED):
        before = gettext(stage_names.get(p.get("from"), p.get("from") or ""))
        after = gettext(stage_names.get(p.get("to"), p.get("to") or ""))
        return f"{before} → {after}"
    if kind == CaseEvent.Kind.CLAIM_COMPUTED:
        text = f"{p.get('currency', '')} {money(p.get('total'))}"
        by_hand = _("entered by hand")
        return f"{text} ({by_hand})" if p.get("overridden") else text
    if kind == CaseEvent.Kind.PROCEEDING_OPENED:
        parts = (_label(Proceeding.Kind.choices, p.get("kind")), p.get("court_case_number", ""))
        return " ".join(x for x in parts if x)
    if kind == CaseEvent.Kind.HEARING_SET:
        return f"{_label(Hearing.Kind.choices, p.get('kind'))} {str(p.get('starts_at', ''))[:16].replace('T', ' ')}"
    if kind == CaseEvent.Kind.SERVED:
        document = _label(ServiceRecord.Document.choices, p.get("document"))
        return f"{document} · {_label(ServiceRecord.Method.choices, p.get('method'))}"
    if kind == CaseEvent.Kind.JUDGMENT_RECORDED:
        return f"{p.get('currency', '')} {money(p.get('adjudicated_amount'))}"
    if kind == CaseEvent.Kind.JUDGMENT_EFFECTIVE:
        return str(p.get("effective_on") or "")
    if kind in (CaseEvent.Kind.COST_PAID, CaseEvent.Kind.COST_REFUNDED):
        return f"{_label(CostEntry.Kind.choices, p.get('kind'))} {amount}"
    if kind == CaseEvent.Kind.RECOVERY_RECEIVED:
        return f"{_label(Recovery.Source.choices, p.get('source'))} {amount}"
    if kind in SETTLEMENT_KINDS:
        # Written by the workflow app's settlement plans: the amount to pay (and, for a breach, the first
        # instalment missed with what was unpaid on the missed instalments).
        if kind == CaseEvent.Kind.SETTLEMENT_BREACHED and p.get("instalment"):
            missed = _("instalment %(seq)s missed, %(unpaid)s unpaid") % {
                "seq": p["instalment"],
                "unpaid": money(p.get("unpaid")),
            }
            return f"{amount} · {missed}"
        return amount
    if kind == CaseEvent.Kind.LOAN_LINKED:
        return str(p.get("contract_no", ""))
    if kind == CaseEvent.Kind.UPDATED:
        return ", ".join(str(CHANGED_LABELS.get(name, name)) for name in p.get("changed", []))
    if kind == CaseEvent.Kind.PROCEEDING_UPDATED:
        changed = ", ".join(str(CHANGED_LABELS.get(name, name)) for name in p.get("changed", []))
        parts = (_label(Proceeding.Kind.choices, p.get("kind")), p.get("court_case_number", ""))
        return f"{' '.join(x for x in parts if x)}: {changed}"
    if kind == CaseEvent.Kind.CREATED:
        return str(p.get("internal_no", ""))
    if kind == CaseEvent.Kind.DEADLINE_CHANGED:
        change = str(DEADLINE_CHANGES.get(p.get("change"), p.get("change") or ""))
        if p.get("old") and p.get("new"):
            return f"{change}: {p['old']} → {p['new']}"
        return f"{change}: {p.get('due_on', '')}".rstrip(": ")
    if kind == CaseEvent.Kind.PRESERVATION_EFFECTIVE:
        return str(ASSET_TYPES.get(p.get("asset_type"), p.get("asset_type") or ""))
    if kind.startswith("document_") and p.get("category_label"):
        # Written by the documents app: the category's label (an English msgid in the "document category"
        # context for the built-in ones) and the version number.
        label = pgettext("document category", p["category_label"])
        return f"{label} v{p['number']}" if p.get("number") else label
    if kind == CaseEvent.Kind.HANDLER_CHANGED:
        # Written by the workflow app (hand-over, bulk reassignment): staff names, never a party's.
        role = _("co-handler") if p.get("role") == "co_handler" else ""
        change = f"{p.get('from_name') or '—'} → {p.get('to_name') or '—'}"
        return f"{role} {change}".strip()
    if kind.startswith("decision_") and p.get("kind_label"):
        # Written by the workflow app's internal approvals: the decision's label, an English msgid.
        return gettext(p["kind_label"])
    return ""


SETTLEMENT_KINDS: Final = frozenset(
    {"settlement_agreed", "settlement_breached", "settlement_completed", "settlement_cancelled"}
)
# Timeline wording for events the deadlines app writes (cases may not import it, so the labels live here).
DEADLINE_CHANGES: Final = {
    "moved": gettext_lazy("Deadline moved"),
    "done": gettext_lazy("Deadline done"),
    "waived": gettext_lazy("Deadline waived"),
    "overridden": gettext_lazy("Deadline set by hand"),
    "procedure_changed": gettext_lazy("Trial procedure changed"),
    "reassigned": gettext_lazy("Responsible person changed"),
}
ASSET_TYPES: Final = {
    "deposit": gettext_lazy("Deposit or other funds"),
    "movable": gettext_lazy("Movable property"),
    "real_estate": gettext_lazy("Real estate"),
}


@register.filter
def add_money(left: Any, right: Any) -> str:
    """Two amounts added, displayed: "{{ a|add_money:b }}"."""
    return money(Decimal(str(left or 0)) + Decimal(str(right or 0)))
