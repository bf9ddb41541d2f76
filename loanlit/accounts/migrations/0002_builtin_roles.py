from django.db import migrations


def seed_roles(apps, schema_editor):
    from loanlit.accounts.permissions import BUILTIN_ROLES

    Role = apps.get_model("accounts", "Role")
    for code, (name, permissions) in BUILTIN_ROLES.items():
        Role.objects.update_or_create(
            code=code, defaults={"name": str(name), "permissions": list(permissions), "is_builtin": True}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
