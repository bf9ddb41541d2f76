"""Reminder policies and deliveries (owned by the reminders work)."""

__all__: list[str] = []
