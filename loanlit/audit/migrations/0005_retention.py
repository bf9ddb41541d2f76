"""Audit retention (issue 10): archives, stream anchors, and DELETE triggers that let a controlled prune through.

The triggers of 0002 still refuse every UPDATE and every DELETE, except a DELETE on the four log tables
inside a prune (``loanlit.audit.retention``), which each vendor recognises by a marker that only lasts
for the prune's transaction:

* PostgreSQL: ``SET LOCAL loanlit.audit_prune = 'on'`` (read with ``current_setting(…, true)``);
  TRUNCATE stays refused.
* SQLite: a row in ``audit_auditprunetoken`` inserted and deleted again inside the transaction.
* MySQL/MariaDB: the session variable ``@loanlit_audit_prune`` (set and cleared around the DELETEs).

The archive and anchor tables themselves are append-only with no prune path.
"""

import django.db.models.deletion
from django.db import migrations, models

LOG_TABLES = ("audit_auditentry", "audit_checkpoint", "audit_accesslog", "audit_accesslogseal")
NEW_TABLES = ("audit_auditarchive", "audit_streamanchor")
PRUNABLE = ", ".join(f"'{table}'" for table in LOG_TABLES)

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION loanlit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('loanlit.audit_bypass', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME IN ({PRUNABLE})
            AND coalesce(current_setting('loanlit.audit_prune', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'loanlit: % on % refused: the audit tables are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END
$$;
"""

PG_FUNCTION_0002 = """
CREATE OR REPLACE FUNCTION loanlit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('loanlit.audit_bypass', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'loanlit: % on % refused: the audit tables are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END
$$;
"""


def _refuse(operation, table):
    return f"'loanlit: {operation} on {table} refused: the audit tables are append-only'"


def _sqlite_trigger(table, operation, *, prunable):
    condition = "loanlit_audit_guard()"
    if prunable:
        condition += " AND NOT EXISTS (SELECT 1 FROM audit_auditprunetoken)"
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} WHEN {condition} "
        f"BEGIN SELECT RAISE(ABORT, {_refuse(operation, table)}); END"
    )


def _mysql_trigger(table, operation, *, prunable):
    condition = "(@loanlit_audit_bypass IS NULL OR @loanlit_audit_bypass <> 1)"
    if prunable:
        condition += " AND (@loanlit_audit_prune IS NULL OR @loanlit_audit_prune <> 1)"
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} FOR EACH ROW "
        f"BEGIN IF {condition} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {_refuse(operation, table)}; "
        f"END IF; END"
    )


def _install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements.append(PG_FUNCTION)
        for table in NEW_TABLES:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION loanlit_audit_append_only()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION loanlit_audit_append_only()"
            )
    elif vendor in ("sqlite", "mysql"):
        make = _sqlite_trigger if vendor == "sqlite" else _mysql_trigger
        for table in LOG_TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            statements.append(make(table, "DELETE", prunable=True))
        for table in NEW_TABLES:
            for operation in ("UPDATE", "DELETE"):
                statements.append(make(table, operation, prunable=False))
    else:
        raise RuntimeError(f"No append-only triggers for database vendor {vendor!r}.")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def _remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        for table in NEW_TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        statements.append(PG_FUNCTION_0002)
    else:
        make = _sqlite_trigger if vendor == "sqlite" else _mysql_trigger
        for table in NEW_TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_update")
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        for table in LOG_TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            statements.append(make(table, "DELETE", prunable=False))
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_security"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditArchive",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, unique=True, verbose_name="name")),
                ("created_at", models.DateTimeField(verbose_name="at")),
                ("cut", models.DateField(verbose_name="before")),
                ("cut_at", models.DateTimeField(verbose_name="cut instant")),
                ("retention_days", models.PositiveIntegerField(verbose_name="retention in days")),
                ("entries", models.PositiveBigIntegerField(verbose_name="audit entries")),
                ("streams", models.PositiveBigIntegerField(verbose_name="streams")),
                ("checkpoints", models.PositiveBigIntegerField(verbose_name="checkpoints")),
                ("access_rows", models.PositiveBigIntegerField(verbose_name="access-log rows")),
                ("seals", models.PositiveBigIntegerField(verbose_name="access-log seals")),
                ("manifest_sha256", models.CharField(max_length=64, verbose_name="manifest SHA-256")),
                ("pruned", models.BooleanField(default=False, verbose_name="pruned")),
                ("created_by", models.CharField(blank=True, max_length=150, verbose_name="by")),
            ],
            options={
                "verbose_name": "audit archive",
                "verbose_name_plural": "audit archives",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="AuditPruneToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(verbose_name="at")),
            ],
            options={
                "verbose_name": "audit prune token",
                "verbose_name_plural": "audit prune tokens",
            },
        ),
        migrations.CreateModel(
            name="StreamAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stream", models.CharField(max_length=100, verbose_name="stream")),
                ("seq", models.PositiveBigIntegerField(verbose_name="sequence number")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("last_id", models.PositiveBigIntegerField(blank=True, null=True, verbose_name="last row")),
                (
                    "archive",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="anchors",
                        to="audit.auditarchive",
                        verbose_name="archive",
                    ),
                ),
            ],
            options={
                "verbose_name": "stream anchor",
                "verbose_name_plural": "stream anchors",
                "constraints": [
                    models.UniqueConstraint(fields=("stream", "seq"), name="audit_anchor_stream_seq_unique")
                ],
            },
        ),
        # atomic=False: MySQL cannot run DDL inside a transaction (as in 0002).
        migrations.RunPython(_install, _remove, atomic=False),
    ]
