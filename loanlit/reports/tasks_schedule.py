"""Scheduled report e-mails (H5)."""
