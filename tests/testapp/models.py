"""Test-only models. Owned by the core-fields tests; add a model here when a field needs one."""
