"""Writes of the api app (DESIGN rule 1): API keys (``keys``); webhooks live in ``loanlit.api.webhooks``."""
