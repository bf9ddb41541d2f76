from django.db import migrations


def grant(apps, schema_editor):
    from loanlit.accounts.permissions import GRANTS_ADDED

    Role = apps.get_model("accounts", "Role")
    for code, added in GRANTS_ADDED["0006"].items():
        role = Role.objects.filter(code=code, is_builtin=True).first()
        if role is None:
            continue
        missing = [p for p in added if p not in role.permissions]
        if missing:
            role.permissions = list(role.permissions) + missing
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    # Workflow permissions (templates, approval policies, bulk changes, hand-over, team view; issue 9) for the built-in roles already in the database.
    dependencies = [("accounts", "0005_grant_documents_approve")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
