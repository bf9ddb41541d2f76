from django.db import migrations

from loanlit.accounts.migrations._grants import grant_added


class Migration(migrations.Migration):
    # Workflow permissions (templates, approval policies, bulk changes, hand-over, team view; issue 9) for the built-in roles already in the database.
    dependencies = [("accounts", "0005_grant_documents_approve")]
    operations = [migrations.RunPython(grant_added("0006"), migrations.RunPython.noop)]
