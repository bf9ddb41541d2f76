"""Saved reports: which a user may see, run and edit (H5)."""
