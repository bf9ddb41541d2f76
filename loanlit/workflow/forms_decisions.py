"""Forms of internal approvals: policies, the decision, and the requests on a case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.accounts.models import Role
from loanlit.cases.forms import DATE_WIDGET, CostForm, StyledForm
from loanlit.core.fields import MoneyFormField
from loanlit.core.models import Creditor
from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionKind
from loanlit.workflow.selectors_decisions import role_labels
from loanlit.workflow.services.decisions import COMMENT_MAX_LENGTH, MAX_ROLES

REASON_FIELD_LABEL = gettext_lazy("Why (for the approvers)")


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=REASON_FIELD_LABEL,
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to the approvers if approval is needed."),
    )


class PolicyForm(StyledForm):
    """A policy: the decision, whose (a creditor or all), from which amount, and the approver roles in order."""

    kind = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DecisionKind.choices)
    creditor = forms.ModelChoiceField(
        label=gettext_lazy("Creditor"),
        queryset=Creditor.objects.none(),
        required=False,
        empty_label=gettext_lazy("Every creditor without a policy of its own"),
    )
    min_amount = MoneyFormField(
        label=gettext_lazy("From amount"),
        min_value=Decimal("0"),
        initial=Decimal("0"),
        help_text=gettext_lazy(
            "The policy applies from this amount up (0: always). For a bulk export of personal data: "
            "the number of rows."
        ),
    )
    mode = forms.ChoiceField(label=gettext_lazy("How the approvers decide"), choices=ApprovalPolicy.Mode.choices)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        from loanlit.accounts.selectors import creditor_ids_for

        super().__init__(*args, **kwargs)
        # The manager's own creditors only: another creditor's policies are not theirs to set.
        creditors = Creditor.objects.filter(pk__in=creditor_ids_for(user)).order_by("code")
        self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]
        codes = list(Role.objects.order_by("code").values_list("code", flat=True))
        roles = [("", "---------"), *zip(codes, role_labels(codes), strict=True)]
        for n in range(1, MAX_ROLES + 1):
            self.fields[f"role_{n}"] = forms.ChoiceField(
                label=_("Approver role %(n)d") % {"n": n}, choices=roles, required=n == 1
            )
        if editing:
            self.fields["kind"].disabled = True
        else:
            del self.fields["is_active"]
        self.order_fields(
            ["kind", "creditor", "min_amount", *(f"role_{n}" for n in range(1, MAX_ROLES + 1)), "mode", "is_active"]
        )
        self._style()

    def roles(self) -> list[str]:
        return [self.cleaned_data[f"role_{n}"] for n in range(1, MAX_ROLES + 1) if self.cleaned_data.get(f"role_{n}")]

    @staticmethod
    def initial_for(policy: ApprovalPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": policy.kind,
            "creditor": policy.creditor_id,
            "min_amount": policy.min_amount,
            "mode": policy.mode,
            "is_active": policy.is_active,
            "version": policy.version,
        }
        for n, code in enumerate(policy.approver_roles[:MAX_ROLES], start=1):
            initial[f"role_{n}"] = code
        return initial


class DecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when you reject."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class FileSuitRequestForm(StyledForm):
    note = forms.CharField(label=gettext_lazy("Note on the stage change"), required=False, max_length=300)
    reason = _reason_field()


class CostRequestForm(CostForm):
    """The cost fields of the case's own form, plus a reason for the approvers."""

    reason = _reason_field()


class WithdrawalRequestForm(StyledForm):
    """The withdrawal of ``proceeding``: dated no later than today and no earlier than the proceeding was
    filed (or accepted, when no filing date is recorded)."""

    result_on = forms.DateField(label=gettext_lazy("Withdrawn on"), widget=DATE_WIDGET)
    close = forms.BooleanField(label=gettext_lazy("This ends the proceeding"), required=False, initial=True)
    reason = _reason_field()

    def __init__(self, *args: Any, proceeding: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proceeding = proceeding

    def clean_result_on(self) -> date:
        result_on: date = self.cleaned_data["result_on"]
        if result_on > timezone.localdate():
            raise forms.ValidationError(_("A result cannot be dated in the future."))
        started = None
        if self.proceeding is not None:
            started = self.proceeding.filed_on or self.proceeding.accepted_on
        if started is not None and result_on < started:
            raise forms.ValidationError(
                _("A withdrawal cannot be dated before the proceeding was filed (%(date)s).")
                % {"date": started.isoformat()}
            )
        return result_on
