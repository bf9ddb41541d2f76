from django.db import migrations

from loanlit.accounts.migrations._grants import grant_added


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_builtin_roles")]
    operations = [migrations.RunPython(grant_added("0003"), migrations.RunPython.noop)]
