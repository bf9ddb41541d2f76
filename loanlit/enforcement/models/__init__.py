"""Enforcement models: assets and measures (assets.py), the enforcement proceedings' records (proceedings.py),
follow-up items (followups.py), write-offs and debt transfers (writeoffs.py)."""

from .assets import *  # noqa: F403
from .followups import *  # noqa: F403
from .proceedings import *  # noqa: F403
from .writeoffs import *  # noqa: F403
