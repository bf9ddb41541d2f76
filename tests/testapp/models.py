"""Test-only models. Owned by the core-fields tests; add a model here when a field needs one."""

from __future__ import annotations

from django.db import models

from loanlit.core.fields import CurrencyField, MoneyField, PersonalDataField, RateField


class LedgerLine(models.Model):
    """Amounts and a rate, as loans and cost ledgers will hold them."""

    label = models.CharField(max_length=50, blank=True)
    currency = CurrencyField()
    amount = MoneyField(currency_field="currency")
    fee = MoneyField(null=True, blank=True, currency_field="currency")
    rate = RateField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.label


class PersonRecord(models.Model):
    """Personal data of every kind, as parties will hold it."""

    name = models.CharField(max_length=50, blank=True)
    id_number = PersonalDataField(kind="ric", unique=True)
    mobile = PersonalDataField(kind="mobile", blank=True)
    bank_account = PersonalDataField(kind="bank_account", blank=True)
    note = PersonalDataField(kind="text", blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class AbstractContact(models.Model):
    mobile = PersonalDataField(kind="mobile", blank=True)

    class Meta:
        abstract = True


class ContactRecord(AbstractContact):
    """Inherits a personal field from an abstract parent (its columns must not be added twice)."""

    label = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return self.label
