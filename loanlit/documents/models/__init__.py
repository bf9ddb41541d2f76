"""Document models: the store (store.py: categories, documents, versions, preview pages, extracted text)
and approvals (approvals.py)."""

from .approvals import *  # noqa: F403
from .store import *  # noqa: F403
