"""Cross-cutting model fields: money, rates and personal data (DESIGN rules 3 and 4).

from loanlit.core.fields import MoneyField, RateField, CurrencyField, PersonalDataField
from loanlit.core.fields import money_sum, money_value, pd_exact, pd_tail, reveal
"""

from loanlit.core.fields.forms import MoneyFormField, PersonalDataFormField, RateFormField
from loanlit.core.fields.kinds import BANK_ACCOUNT, MOBILE, RIC, TEXT, PersonalDataError
from loanlit.core.fields.money import (
    CurrencyField,
    MoneyField,
    RateField,
    money_avg,
    money_expr,
    money_of,
    money_sum,
    money_value,
    rate_value,
)
from loanlit.core.fields.personal import (
    BatchProgress,
    PersonalDataField,
    PersonalDataQueryError,
    PersonalValue,
    RewriteResult,
    models_with_personal_data,
    pd_columns,
    pd_exact,
    pd_tail,
    pd_values,
    personal_data_reencrypt,
    personal_data_reindex,
    personal_fields,
    reencrypt_personal_data,
    reveal,
)

__all__ = [
    "BANK_ACCOUNT",
    "MOBILE",
    "RIC",
    "TEXT",
    "BatchProgress",
    "CurrencyField",
    "MoneyField",
    "MoneyFormField",
    "PersonalDataError",
    "PersonalDataField",
    "PersonalDataFormField",
    "PersonalDataQueryError",
    "PersonalValue",
    "RateField",
    "RateFormField",
    "RewriteResult",
    "models_with_personal_data",
    "money_avg",
    "money_expr",
    "money_of",
    "money_sum",
    "money_value",
    "pd_columns",
    "pd_exact",
    "pd_tail",
    "pd_values",
    "personal_data_reencrypt",
    "personal_data_reindex",
    "personal_fields",
    "rate_value",
    "reencrypt_personal_data",
    "reveal",
]
