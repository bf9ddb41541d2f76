from django.db import migrations

from loanlit.accounts.migrations._grants import grant_added


class Migration(migrations.Migration):
    # documents.approve (document approval, issue 8) for the built-in roles already in the database.
    dependencies = [("accounts", "0004_grants_documents")]
    operations = [migrations.RunPython(grant_added("0005"), migrations.RunPython.noop)]
