"""MoneyField, RateField and the money helpers: exact on every backend, strict at every door."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from django.core import checks, serializers
from django.core.exceptions import FieldError, ValidationError
from django.db import connection, models, transaction
from django.db.models import Avg, F, Max, Min, Sum
from django.utils import translation

from loanlit.core import money as m
from loanlit.core.fields import (
    MoneyField,
    MoneyFormField,
    RateField,
    RateFormField,
    money_avg,
    money_expr,
    money_of,
    money_sum,
    money_value,
    rate_value,
)
from tests.testapp.models import LedgerLine


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here; the zh-Hans tests switch explicitly."""
    with translation.override("en"):
        yield


# --- the helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("12.3"), Decimal("12.30")),
        (Decimal("12.340"), Decimal("12.34")),
        (12, Decimal("12.00")),
        ("-0.5", Decimal("-0.50")),
        (" 1234.56 ", Decimal("1234.56")),
        (Decimal("1E+2"), Decimal("100.00")),
    ],
)
def test_to_money_gives_exactly_two_places(value, expected):
    result = m.to_money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [12.5, 0.1, True, None, [1], b"1"])
def test_to_money_refuses_floats_and_other_types(value):
    with pytest.raises(m.MoneyTypeError):
        m.to_money(value)


def test_to_money_refuses_a_float_with_a_clear_message():
    with pytest.raises(TypeError, match="float"):
        m.to_money(0.1)


@pytest.mark.parametrize("value", ["12.345", Decimal("0.001"), Decimal("12.345")])
def test_to_money_refuses_a_third_decimal_place_instead_of_rounding(value):
    with pytest.raises(m.MoneyValueError) as excinfo:
        m.to_money(value)
    assert excinfo.value.code == "max_decimal_places"


@pytest.mark.parametrize(
    "value, expected",
    [("12.345", Decimal("12.35")), ("12.344", Decimal("12.34")), ("-12.345", Decimal("-12.35")), ("0.005", "0.01")],
)
def test_to_money_rounds_half_up_only_when_asked(value, expected):
    assert m.to_money(value, rounding=True) == Decimal(expected)


@pytest.mark.parametrize("value", ["abc", "1e5", "1,234.56", "", "NaN", Decimal("NaN"), Decimal("Infinity")])
def test_to_money_refuses_malformed_and_non_finite_values(value):
    with pytest.raises(m.MoneyValueError):
        m.to_money(value)


def test_to_money_accepts_the_bigint_bounds_and_refuses_beyond():
    assert m.to_money(Decimal("92233720368547758.07")) == m.MONEY_MAX
    assert m.to_money(Decimal("-92233720368547758.08")) == m.MONEY_MIN
    for value in (Decimal("92233720368547758.08"), Decimal("-92233720368547758.09"), 10**30):
        with pytest.raises(m.MoneyValueError) as excinfo:
            m.to_money(value)
        assert excinfo.value.code == "out_of_range"


def test_minor_units_round_trip_exactly():
    assert m.to_minor_units(Decimal("1234.56")) == 123456
    assert m.to_minor_units(-3) == -300
    assert m.from_minor_units(123456) == Decimal("1234.56")
    assert m.from_minor_units(-1) == Decimal("-0.01")
    with pytest.raises(m.MoneyTypeError):
        m.from_minor_units(1.0)  # type: ignore[arg-type]


def test_round_half_up_rounds_halves_away_from_zero():
    assert m.round_half_up(Decimal("2.675")) == Decimal("2.68")
    assert m.round_half_up(Decimal("-2.675")) == Decimal("-2.68")
    assert m.round_half_up(Decimal("2.665")) == Decimal("2.67")
    assert m.round_half_up(Decimal("3.4500005"), m.RATE_QUANTUM) == Decimal("3.450001")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,234.56", "1234.56"),
        ("1234.5", "1234.50"),
        ("1,234,567", "1234567.00"),
        (" 12 ", "12.00"),
        ("\u00a51,234.56", "1234.56"),
        ("\uffe5 88.8", "88.80"),
        ("\uff11\uff0c\uff12\uff13\uff14\uff0e\uff15", "1234.50"),  # full-width digits and comma
        ("-7.05", "-7.05"),
        ("0.50", "0.50"),
        (".5", "0.50"),
        ("12.340", "12.34"),
    ],
)
def test_parse_money_reads_what_people_type(text, expected):
    assert m.parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text, code",
    [
        ("12.345", "max_decimal_places"),
        ("abc", "invalid"),
        ("1e5", "invalid"),
        ("1,23.4", "invalid"),
        ("12,34", "invalid"),
        ("1.2.3", "invalid"),
        ("", "invalid"),
        ("Infinity", "invalid"),
        ("99999999999999999999", "out_of_range"),
        ("9" * 400, "out_of_range"),
    ],
)
def test_parse_money_refuses_bad_input_with_a_code(text, code):
    with pytest.raises(m.MoneyValueError) as excinfo:
        m.parse_money(text)
    assert excinfo.value.code == code


def test_parse_money_refuses_a_float():
    with pytest.raises(m.MoneyTypeError):
        m.parse_money(1.5)  # type: ignore[arg-type]


def test_format_money_groups_thousands_and_keeps_two_places():
    assert m.format_money(Decimal("1234567.5")) == "1,234,567.50"
    assert m.format_money(Decimal("-0.01")) == "-0.01"
    assert m.format_money(Decimal("1234.5"), grouping=False) == "1234.50"


def test_money_json_round_trip_uses_decimal_strings():
    document = m.json_dumps({"amount": Decimal("1234.50"), "money": m.Money(Decimal("8"), "USD")})
    assert json.loads(document) == {"amount": "1234.50", "money": {"amount": "8.00", "currency": "USD"}}
    assert m.money_to_json(Decimal("7")) == "7.00"
    assert m.money_to_json(None) is None
    assert m.money_from_json("1234.56") == Decimal("1234.56")
    assert m.money_from_json(15) == Decimal("15.00")
    assert m.money_from_json(None) is None


def test_money_from_json_refuses_json_floats_and_third_places():
    with pytest.raises(m.MoneyTypeError):
        m.money_from_json(json.loads('{"a": 12.5}')["a"])
    with pytest.raises(m.MoneyValueError):
        m.money_from_json(m.json_loads('{"a": 12.345}')["a"])
    assert m.json_loads('{"a": 12.34}')["a"] == Decimal("12.34")


def test_money_value_adds_within_a_currency_and_refuses_mixing():
    total = m.Money(Decimal("1.10")) + m.Money(Decimal("2.25"))
    assert total == m.Money(Decimal("3.35"), "CNY")
    assert str(m.Money(Decimal("1234.5"), "HKD")) == "HKD 1,234.50"
    assert (m.Money(Decimal("5")) - m.Money(Decimal("7.5"))).amount == Decimal("-2.50")
    with pytest.raises(m.MoneyValueError) as excinfo:
        m.Money(Decimal("1"), "CNY") + m.Money(Decimal("1"), "USD")
    assert excinfo.value.code == "currency_mismatch"
    with pytest.raises(m.MoneyValueError):
        m.Money(Decimal("1"), "XYZ")
    with pytest.raises(m.MoneyValueError) as excinfo:
        m.Money(Decimal("100.50"), "JPY")
    assert excinfo.value.code == "currency_places"
    assert m.Money.from_json({"amount": "12.30", "currency": "EUR"}) == m.Money(Decimal("12.3"), "EUR")


def test_rate_helpers_store_millionths_of_a_percent_exactly():
    assert m.rate_to_units(Decimal("3.45")) == 3450000
    assert m.rate_from_units(3450000) == Decimal("3.450000")
    assert m.to_rate("3.123456") == Decimal("3.123456")
    assert m.format_rate(Decimal("3.45")) == "3.45"
    assert m.format_rate(Decimal("4")) == "4.00"
    assert m.format_rate(Decimal("3.123450")) == "3.12345"
    assert m.parse_rate("3.85%") == Decimal("3.850000")
    assert m.rate_to_json(Decimal("3.1")) == "3.10"
    with pytest.raises(m.MoneyTypeError):
        m.to_rate(3.45)
    with pytest.raises(m.MoneyValueError) as excinfo:
        m.to_rate("3.1234567")
    assert excinfo.value.code == "max_decimal_places"
    assert m.to_rate("3.1234565", rounding=True) == Decimal("3.123457")
    with pytest.raises(m.MoneyValueError):
        m.parse_rate("3.4.5")


def test_error_messages_are_translated_to_chinese():
    with translation.override("zh-hans"):
        with pytest.raises(m.MoneyValueError) as excinfo:
            m.parse_money("abc")
        chinese = str(excinfo.value)
    with translation.override("en"):
        with pytest.raises(m.MoneyValueError) as excinfo:
            m.parse_money("abc")
        english = str(excinfo.value)
    assert english == "Enter an amount in digits, such as 1,234.56."
    assert chinese != english
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese)


# --- the model field ------------------------------------------------------------------------------


def test_assigning_a_float_fails_immediately():
    line = LedgerLine(amount=Decimal("1.00"))
    with pytest.raises(TypeError, match="float"):
        line.amount = 12.5
    with pytest.raises(TypeError):
        LedgerLine(amount=0.1)
    assert line.amount == Decimal("1.00")


def test_assignment_normalises_to_two_places_and_refuses_a_third():
    line = LedgerLine(amount="12.3")
    assert line.amount == Decimal("12.30")
    assert line.amount.as_tuple().exponent == -2
    line.amount = 5
    assert line.amount == Decimal("5.00")
    with pytest.raises(m.MoneyValueError):
        line.amount = Decimal("12.345")
    with pytest.raises(ValueError):
        line.fee = "12.345"
    line.fee = None
    assert line.fee is None


@pytest.mark.django_db
@pytest.mark.smoke
def test_the_database_holds_integer_minor_units():
    line = LedgerLine.objects.create(amount=Decimal("1234.56"), fee=Decimal("-0.01"), rate=Decimal("3.45"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT amount, fee, rate FROM testapp_ledgerline WHERE id = %s", [line.pk])
        row = cursor.fetchone()
    assert row == (123456, -1, 3450000)
    assert all(type(value) is int for value in row)
    line.refresh_from_db()
    assert (line.amount, line.fee, line.rate) == (Decimal("1234.56"), Decimal("-0.01"), Decimal("3.450000"))


@pytest.mark.django_db
def test_extreme_amounts_round_trip():
    top = LedgerLine.objects.create(amount=m.MONEY_MAX)
    bottom = LedgerLine.objects.create(amount=m.MONEY_MIN)
    assert LedgerLine.objects.get(pk=top.pk).amount == Decimal("92233720368547758.07")
    assert LedgerLine.objects.get(pk=bottom.pk).amount == Decimal("-92233720368547758.08")


@pytest.mark.django_db
def test_lookups_compare_amounts_exactly():
    for amount in ("0.01", "99.99", "100.00", "100.01", "250.50"):
        LedgerLine.objects.create(label=amount, amount=Decimal(amount))

    def labels(**lookup):
        return list(LedgerLine.objects.filter(**lookup).values_list("label", flat=True))

    assert labels(amount=Decimal("100")) == ["100.00"]
    assert labels(amount="100.01") == ["100.01"]
    assert labels(amount__gt=Decimal("100.00")) == ["100.01", "250.50"]
    assert labels(amount__gte=100) == ["100.00", "100.01", "250.50"]
    assert labels(amount__lt="99.99") == ["0.01"]
    assert labels(amount__lte=Decimal("99.99")) == ["0.01", "99.99"]
    assert labels(amount__range=(Decimal("99.99"), Decimal("100.01"))) == ["99.99", "100.00", "100.01"]
    assert labels(amount__in=[Decimal("0.01"), "250.5", 7]) == ["0.01", "250.50"]
    assert labels(fee__isnull=True) == ["0.01", "99.99", "100.00", "100.01", "250.50"]


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", ["amount", "amount__gt", "amount__gte", "amount__lt", "amount__lte"])
def test_a_float_lookup_value_is_refused_not_rounded(lookup):
    with pytest.raises(TypeError, match="float"):
        LedgerLine.objects.filter(**{lookup: 100.5})
    with pytest.raises(TypeError):
        LedgerLine.objects.filter(amount__in=[Decimal("1"), 2.5])
    with pytest.raises(TypeError):
        LedgerLine.objects.filter(amount__range=(1.0, Decimal("2")))


@pytest.mark.django_db
def test_a_lookup_value_with_three_places_is_refused_not_truncated():
    with pytest.raises(m.MoneyValueError):
        LedgerLine.objects.filter(amount=Decimal("12.345"))
    with pytest.raises(m.MoneyValueError):
        LedgerLine.objects.filter(amount__gt="12.345")


@pytest.mark.django_db
def test_aggregates_return_decimal_amounts():
    LedgerLine.objects.create(amount=Decimal("0.10"))
    LedgerLine.objects.create(amount=Decimal("0.20"))
    LedgerLine.objects.create(amount=Decimal("0.04"))
    totals = LedgerLine.objects.aggregate(total=Sum("amount"), low=Min("amount"), high=Max("amount"))
    assert totals == {"total": Decimal("0.34"), "low": Decimal("0.04"), "high": Decimal("0.20")}
    assert money_sum(LedgerLine.objects.all(), "amount") == Decimal("0.34")
    assert money_sum(LedgerLine.objects.none(), "amount") == Decimal("0.00")
    assert money_sum(LedgerLine.objects.filter(amount__gt=1), "amount") == Decimal("0.00")
    assert money_avg(LedgerLine.objects.all(), "amount") == Decimal("0.11")  # 0.34 / 3 = 0.1133…
    assert money_avg(LedgerLine.objects.none(), "amount") is None
    assert LedgerLine.objects.aggregate(avg=Avg("amount"))["avg"] == Decimal("0.11")


@pytest.mark.django_db
def test_f_expressions_add_amounts_and_multiply_by_integers():
    line = LedgerLine.objects.create(amount=Decimal("100.25"), fee=Decimal("0.75"))
    annotated = LedgerLine.objects.annotate(
        total=F("amount") + F("fee"), net=F("amount") - F("fee"), triple=F("amount") * 3
    ).get(pk=line.pk)
    assert (annotated.total, annotated.net, annotated.triple) == (
        Decimal("101.00"),
        Decimal("99.50"),
        Decimal("300.75"),
    )
    assert money_sum(LedgerLine.objects.all(), F("amount") + F("fee")) == Decimal("101.00")
    assert list(LedgerLine.objects.filter(amount__gt=F("fee")).values_list("pk", flat=True)) == [line.pk]
    LedgerLine.objects.filter(pk=line.pk).update(amount=F("amount") + money_value("10.50"))
    line.refresh_from_db()
    assert line.amount == Decimal("110.75")


@pytest.mark.django_db
def test_ambiguous_f_arithmetic_is_refused():
    LedgerLine.objects.create(amount=Decimal("1.00"))
    # "+ 1" could mean 1 yuan or 1 fen, and "/ 3" would truncate in integer SQL: both must be explicit.
    for expression in (F("amount") + 1, F("amount") / 3, F("amount") * F("fee"), F("amount") + F("rate")):
        with pytest.raises(FieldError):
            list(LedgerLine.objects.annotate(x=expression).values_list("x", flat=True))
    wrapped = LedgerLine.objects.annotate(x=money_expr(F("amount") + money_value("0.01"))).get()
    assert wrapped.x == Decimal("1.01")


@pytest.mark.django_db
def test_bulk_create_values_and_values_list_give_decimals():
    LedgerLine.objects.bulk_create(
        [LedgerLine(label="a", amount=Decimal("1.01")), LedgerLine(label="b", amount="2", fee=Decimal("0.5"))]
    )
    assert list(LedgerLine.objects.values("label", "amount", "fee")) == [
        {"label": "a", "amount": Decimal("1.01"), "fee": None},
        {"label": "b", "amount": Decimal("2.00"), "fee": Decimal("0.50")},
    ]
    assert list(LedgerLine.objects.values_list("amount", flat=True)) == [Decimal("1.01"), Decimal("2.00")]


@pytest.mark.django_db
def test_update_and_bulk_update_store_minor_units_once():
    first = LedgerLine.objects.create(amount=Decimal("1.00"))
    second = LedgerLine.objects.create(amount=Decimal("2.00"))
    LedgerLine.objects.filter(pk=first.pk).update(amount=Decimal("3.21"))
    first.refresh_from_db()
    assert first.amount == Decimal("3.21")
    first.amount, second.amount = Decimal("10.10"), Decimal("20.20")
    LedgerLine.objects.bulk_update([first, second], ["amount"])
    assert list(LedgerLine.objects.values_list("amount", flat=True)) == [Decimal("10.10"), Decimal("20.20")]
    with pytest.raises(TypeError), transaction.atomic():
        LedgerLine.objects.update(amount=1.5)
    assert list(LedgerLine.objects.values_list("amount", flat=True)) == [Decimal("10.10"), Decimal("20.20")]


@pytest.mark.django_db
def test_serialization_uses_decimal_strings_and_round_trips():
    line = LedgerLine.objects.create(amount=Decimal("1234.5"), rate=Decimal("3.85"))
    field = LedgerLine._meta.get_field("amount")
    assert field.value_to_string(line) == "1234.50"
    assert LedgerLine._meta.get_field("rate").value_to_string(line) == "3.85"
    assert LedgerLine._meta.get_field("fee").value_to_string(line) == ""
    data = serializers.serialize("json", [line])
    assert json.loads(data)[0]["fields"]["amount"] == "1234.50"
    restored = next(iter(serializers.deserialize("json", data))).object
    assert restored.amount == Decimal("1234.50")
    assert restored.rate == Decimal("3.850000")


def test_to_python_turns_bad_values_into_validation_errors():
    field = LedgerLine._meta.get_field("amount")
    assert field.to_python("12.3") == Decimal("12.30")
    for bad in ("12.345", "abc", 1.5):
        with pytest.raises(ValidationError):
            field.to_python(bad)


def test_money_of_combines_amount_and_currency():
    line = LedgerLine(amount=Decimal("8.5"), currency="USD")
    assert money_of(line, "amount") == m.Money(Decimal("8.50"), "USD")
    assert money_of(line, "fee") is None
    line.full_clean()
    line.currency = "XYZ"
    with pytest.raises(ValidationError) as excinfo:
        line.full_clean()
    assert "currency" in excinfo.value.message_dict


def test_a_currency_field_that_does_not_exist_fails_the_system_check():
    class BrokenLine(models.Model):
        amount = MoneyField(currency_field="nope")

        class Meta:
            app_label = "testapp"

        def __str__(self) -> str:
            return str(self.amount)

    errors = BrokenLine._meta.get_field("amount").check()
    assert [error.id for error in errors] == ["loanlit_core.E001"]
    assert isinstance(errors[0], checks.Error)


def test_the_field_deconstructs_for_migrations():
    _name, path, _args, kwargs = LedgerLine._meta.get_field("amount").deconstruct()
    assert (path, kwargs) == ("loanlit.core.fields.MoneyField", {"currency_field": "currency"})
    assert RateField().deconstruct()[1] == "loanlit.core.fields.RateField"


# --- the rate field -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rate_field_stores_exact_rates_and_refuses_floats():
    line = LedgerLine.objects.create(amount=Decimal("1"), rate=Decimal("3.45"))
    with pytest.raises(TypeError):
        line.rate = 3.45
    with pytest.raises(ValueError):
        line.rate = "0.1234567"
    assert list(LedgerLine.objects.filter(rate=Decimal("3.450")).values_list("rate", flat=True)) == [
        Decimal("3.450000")
    ]
    LedgerLine.objects.update(rate=F("rate") + rate_value("0.25"))
    line.refresh_from_db()
    assert line.rate == Decimal("3.70")
    with pytest.raises(TypeError):
        LedgerLine.objects.filter(rate__gt=3.0)


# --- form fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [("1,234.56", "1234.56"), ("1234.5", "1234.50"), (" 7 ", "7.00")])
def test_money_form_field_accepts_grouped_and_short_amounts(text, expected):
    assert MoneyFormField().clean(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("12.345", "Enter at most 2 decimal places."),
        ("abc", "Enter an amount in digits, such as 1,234.56."),
        ("1e5", "Enter an amount in digits, such as 1,234.56."),
        ("1" + "0" * 30, "The amount is too large."),
        ("9" * 400, "The amount is too large."),
    ],
)
def test_money_form_field_explains_bad_input(text, message):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        MoneyFormField().clean(text)
    assert excinfo.value.messages == [message]


def test_money_form_field_errors_are_in_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        MoneyFormField().clean("12.345")
    assert excinfo.value.messages[0] != "Enter at most 2 decimal places."
    assert any("\u4e00" <= char <= "\u9fff" for char in excinfo.value.messages[0])


def test_money_form_field_limits_and_required():
    field = MoneyFormField(min_value=Decimal("0"), max_value=Decimal("1000"))
    assert field.clean("1,000") == Decimal("1000.00")
    with translation.override("en"):
        with pytest.raises(ValidationError) as low:
            field.clean("-0.01")
        with pytest.raises(ValidationError) as high:
            field.clean("1,000.01")
        with pytest.raises(ValidationError):
            field.clean("")
    assert low.value.messages == ["Enter an amount of at least 0.00."]
    assert high.value.messages == ["Enter an amount of at most 1,000.00."]
    assert MoneyFormField(required=False).clean("") is None


def test_model_form_uses_the_money_form_field():
    from django import forms

    class LineForm(forms.ModelForm):
        class Meta:
            model = LedgerLine
            fields = ["amount", "fee", "rate", "currency"]

    form = LineForm(data={"amount": "1,234.56", "fee": "", "rate": "3.45%", "currency": "CNY"})
    assert isinstance(form.fields["amount"], MoneyFormField)
    assert isinstance(form.fields["rate"], RateFormField)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("1234.56")
    assert form.cleaned_data["rate"] == Decimal("3.450000")
    bad = LineForm(data={"amount": "12.345", "rate": "x", "currency": "CNY"})
    assert not bad.is_valid()
    assert set(bad.errors) == {"amount", "rate"}
    edit = LineForm(instance=LedgerLine(amount=Decimal("1234.50"), rate=Decimal("3.45")))
    assert 'value="1234.50"' in str(edit["amount"])
    assert 'value="3.45"' in str(edit["rate"])


# --- exactness at volume --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.slow
def test_sum_of_100000_amounts_is_exact_in_the_database():
    rng = random.Random(20240601)
    amounts = [Decimal(rng.randint(-5_000_000_00, 50_000_000_00)).scaleb(-2) for _ in range(100_000)]
    # Values binary floating point cannot represent, so a float sum anywhere would show.
    amounts[:5] = [Decimal("0.10"), Decimal("0.20"), Decimal("0.30"), Decimal("1234567890123.45"), Decimal("0.01")]
    LedgerLine.objects.bulk_create((LedgerLine(amount=a) for a in amounts), batch_size=5000)
    expected = sum(amounts, Decimal("0.00"))
    assert LedgerLine.objects.count() == 100_000
    assert money_sum(LedgerLine.objects.all(), "amount") == expected
    assert LedgerLine.objects.aggregate(total=Sum("amount"))["total"] == expected
