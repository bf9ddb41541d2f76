import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("worker_id", models.CharField(max_length=200, unique=True, verbose_name="worker")),
                ("hostname", models.CharField(blank=True, max_length=255, verbose_name="host")),
                ("pid", models.PositiveIntegerField(default=0, verbose_name="process id")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="started at")),
                (
                    "beat_at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, verbose_name="last heartbeat"
                    ),
                ),
            ],
            options={
                "verbose_name": "worker heartbeat",
                "verbose_name_plural": "worker heartbeats",
                "ordering": ["-beat_at", "-pk"],
            },
        ),
    ]
