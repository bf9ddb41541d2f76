"""Reads of the statistics, always scoped to the user (DESIGN rule 2).

* ``stats``      — dashboard figures: totals, breakdowns by dimension, trend, aging, cycle times, the
                   regional overdue signal, the law-firm ranking, and the drill-down case list (helper H2).
* ``management`` — the fixed management reports (helper H4).
* ``builder``    — saved reports: who may see, run and edit them (helper H5).
"""
