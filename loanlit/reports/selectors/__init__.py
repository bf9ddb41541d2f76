"""Reads of the statistics, always scoped to the user (DESIGN rule 2).

* ``measures``   — the aggregate expressions that turn CaseFact rows into Measures (summary and live alike).
* ``stats``      — dashboard figures: the scope (summary rows + live extras), totals, breakdowns by
                   dimension, aging, cycle times, the regional overdue signal, the law-firm ranking.
* ``drilldown``  — the cases behind a figure.
* ``crosstab``   — one or two dimensions at once (the report builder).
* ``management`` — the fixed management reports.
* ``builder``    — saved reports: who may see, run and edit them.
"""
