"""Seed the court reference list (data/courts.json) and the case stages with their legal moves."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import migrations

COURTS_FILE = Path(__file__).resolve().parent.parent / "data" / "courts.json"

# code, English name (a msgid: shown through gettext), order, closes the case
STAGES = (
    ("pre_litigation", "Pre-litigation", 10, False),
    ("filed", "Filed", 20, False),
    ("in_trial", "In trial", 30, False),
    ("judged", "Judged", 40, False),
    ("enforcement", "Enforcement", 50, False),
    ("terminated_enforcement", "Enforcement terminated for now", 60, False),
    ("settled", "Settled", 70, False),
    ("closed", "Closed", 80, True),
    ("archived", "Archived", 90, True),
)

TRANSITIONS = {
    "pre_litigation": ("filed", "settled", "closed"),
    "filed": ("pre_litigation", "in_trial", "judged", "settled", "closed"),
    "in_trial": ("judged", "settled", "closed"),
    # Back to trial: an appeal or a retrial.
    "judged": ("in_trial", "enforcement", "settled", "closed"),
    "enforcement": ("terminated_enforcement", "settled", "closed"),
    # 终本 is not the end of the debt: enforcement resumes when assets are found.
    "terminated_enforcement": ("enforcement", "settled", "closed"),
    # A settlement that is not performed goes to enforcement (or back to court).
    "settled": ("filed", "enforcement", "closed"),
    "closed": ("archived",),
    "archived": (),
}


def seed(apps, schema_editor):
    Court = apps.get_model("cases", "Court")
    CaseStage = apps.get_model("cases", "CaseStage")
    Transition = apps.get_model("cases", "CaseStageTransition")
    rows = json.loads(COURTS_FILE.read_text(encoding="utf-8"))
    by_code = {}
    for row in rows:
        court = Court.objects.create(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            region_code=row["region_code"],
            caseno_code=row["caseno_code"],
            parent=by_code.get(row["parent"]),
        )
        by_code[court.code] = court
    for code, name, order, closing in STAGES:
        CaseStage.objects.create(code=code, name=name, order=order, is_closing=closing)
    Transition.objects.bulk_create(
        Transition(from_stage_id=source, to_stage_id=target)
        for source, targets in TRANSITIONS.items()
        for target in targets
    )


def unseed(apps, schema_editor):
    apps.get_model("cases", "CaseStageTransition").objects.all().delete()
    apps.get_model("cases", "CaseStage").objects.all().delete()
    apps.get_model("cases", "Court").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
