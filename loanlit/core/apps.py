from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "loanlit.core"
    label = "core"

    def ready(self) -> None:
        checks.register(personal_data_keys_check, checks.Tags.security)


def personal_data_keys_check(app_configs, **kwargs):
    """Fail fast at start-up on a malformed encryption key ring or a short HMAC key."""
    from loanlit.core import crypto

    try:
        crypto.check_keys()
    except crypto.KeyConfigError as exc:
        return [checks.Error(str(exc), id="loanlit_core.E002")]
    return []
