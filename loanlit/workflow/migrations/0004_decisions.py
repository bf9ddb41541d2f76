"""Owned by the decisions area while issue 9 is built (hand-written operations for its own model changes)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_tasks")]

    operations = [
        # An "any" step names every role that may decide (comma-separated): longer than one role code.
        migrations.AlterField(
            model_name="decisionstep",
            name="role",
            field=models.CharField(max_length=200, verbose_name="approver role"),
        ),
    ]
