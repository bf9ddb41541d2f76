from django.db import migrations

from loanlit.accounts.migrations._grants import grant_added


class Migration(migrations.Migration):
    # API keys, webhooks, drop folders and the system status page (issue 12) for the built-in administrator.
    dependencies = [("accounts", "0009_grant_reports_manage")]
    operations = [migrations.RunPython(grant_added("0010"), migrations.RunPython.noop)]
