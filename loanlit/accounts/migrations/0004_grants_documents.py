from django.db import migrations

from loanlit.accounts.migrations._grants import grant_added


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_grants_imports_exports_enforcement")]
    operations = [migrations.RunPython(grant_added("0004"), migrations.RunPython.noop)]
