"""The fixed management reports (H4)."""
