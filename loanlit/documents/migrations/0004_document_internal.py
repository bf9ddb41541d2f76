"""Documents for bank staff only (attachments of internal comments): hidden from external lawyers."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_search_index")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="internal",
            field=models.BooleanField(
                default=False, help_text="Bank staff only: hidden from external lawyers.", verbose_name="internal"
            ),
        ),
    ]
