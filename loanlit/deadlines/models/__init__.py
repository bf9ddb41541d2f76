"""Deadline models: legal deadlines and monitors (deadline.py) and their reminders (reminders.py)."""

from .deadline import *  # noqa: F403
from .reminders import *  # noqa: F403
