"""Writes of the reports app (DESIGN rule 1).

* ``facts``     — CaseFact rows from the cases' own tables; refresh on write, incremental, full.
* ``summaries`` — SummaryRow / CycleDays / LoanDefaultMonth from CaseFact and loans.
* ``saved``     — saved reports: create, edit, share with roles, schedule, delete.
"""
