"""Writes of the workflow app (DESIGN rule 1), one module per area.

* ``tasks``       — tasks: create (batch-shaped, idempotent by source key), update, complete, reassign
* ``handover``    — hand over a leaving user's cases, tasks and deadlines together (all or nothing)
* ``templates``   — workflow templates and versions, assigning/migrating a case's version
* ``automation``  — the stage gate of the case's template and what entering a stage creates
* ``bulk``        — bulk stage change and bulk reassignment of handler / law firm
* ``decisions``   — internal approvals (maker-checker): policies, requests, decisions, executors
* ``settlements`` — settlement plans, instalments, matching recoveries, breach and completion
"""
