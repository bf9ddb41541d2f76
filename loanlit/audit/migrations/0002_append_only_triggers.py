"""Database triggers that refuse UPDATE and DELETE on the audit tables (DESIGN rule 5).

StreamHead is left out on purpose: it is the lock row that every append updates.
See loanlit/audit/maintenance.py for the (flush / test only) suspension each vendor honours.
"""

from django.db import migrations

TABLES = ("audit_auditentry", "audit_checkpoint", "audit_accesslog", "audit_accesslogseal")

PG_FUNCTION = """
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


def _install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = []
    if vendor == "postgresql":
        statements.append(PG_FUNCTION)
        for table in TABLES:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION loanlit_audit_append_only()"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION loanlit_audit_append_only()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"WHEN loanlit_audit_guard() "
                    f"BEGIN SELECT RAISE(ABORT, 'loanlit: {operation} on {table} refused: the audit tables are append-only'); END"
                )
    elif vendor == "mysql":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} FOR EACH ROW "
                    f"BEGIN IF @loanlit_audit_bypass IS NULL OR @loanlit_audit_bypass <> 1 THEN "
                    f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = "
                    f"'loanlit: {operation} on {table} refused: the audit tables are append-only'; "
                    f"END IF; END"
                )
    else:
        raise RuntimeError(f"No append-only triggers for database vendor {vendor!r}.")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def _remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS loanlit_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    # atomic=False: MySQL cannot run DDL inside a transaction; PostgreSQL and SQLite still wrap the
    # whole migration in one.
    operations = [migrations.RunPython(_install, _remove, atomic=False)]
