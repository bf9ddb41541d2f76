"""Job handlers and periodic tasks of the integration app (registered by importing their modules)."""

from loanlit.api import idempotency as _idempotency  # noqa: F401  (periodic "api.idempotency_prune")
from loanlit.api.webhooks import jobs as _webhook_jobs  # noqa: F401
