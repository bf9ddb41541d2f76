"""Owned by the settlements area while issue 9 is built (hand-written operations for its own model changes)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflow", "0004_decisions")]

    operations: list = []
