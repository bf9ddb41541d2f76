"""The built-in document categories. Labels are English msgids in the "document category" context
(models/store.py BUILTIN_LABELS), shown translated."""

from django.db import migrations

BUILTIN_CATEGORIES = (
    ("complaint", "Complaint"),
    ("evidence", "Evidence"),
    ("loan_contract", "Loan contract"),
    ("iou", "IOU"),
    ("repayment_record", "Repayment record"),
    ("summons", "Summons"),
    ("judgment", "Judgment"),
    ("ruling", "Ruling"),
    ("mediation", "Mediation statement"),
    ("enforcement_application", "Enforcement application"),
    ("lawyer_letter", "Lawyer's letter"),
    ("fee_receipt", "Fee receipt"),
    ("other", "Other"),
)


def seed(apps, schema_editor):
    DocumentCategory = apps.get_model("documents", "DocumentCategory")
    for index, (code, label) in enumerate(BUILTIN_CATEGORIES, start=1):
        DocumentCategory.objects.update_or_create(
            code=code, defaults={"label": label, "order": index * 10, "builtin": True, "is_active": True}
        )


def unseed(apps, schema_editor):
    DocumentCategory = apps.get_model("documents", "DocumentCategory")
    DocumentCategory.objects.filter(code__in=[code for code, _ in BUILTIN_CATEGORIES], documents=None).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
