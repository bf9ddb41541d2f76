"""Writes that change a case's statistics mark the case; the marked cases are refreshed after commit
(contract; implemented by H1). Bulk writes fire no signals: the scheduler's incremental refresh catches
them through the case events every bulk service writes."""
