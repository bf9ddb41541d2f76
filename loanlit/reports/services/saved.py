"""Saved reports of the report builder (contract; implemented by H5)."""
