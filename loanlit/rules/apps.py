from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    """The database side of ``loanlit.law``: holiday overrides, LPR rows and the calculators."""

    name = "loanlit.rules"
    label = "rules"
    verbose_name = _("Legal rules")
