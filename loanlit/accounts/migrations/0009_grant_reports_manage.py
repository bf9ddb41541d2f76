from django.db import migrations

from loanlit.accounts.migrations._grants import grant_added


class Migration(migrations.Migration):
    # Sharing and scheduling saved reports (issue 11) for the built-in roles already in the database.
    dependencies = [("accounts", "0008_user_reactivated_at")]
    operations = [migrations.RunPython(grant_added("0009"), migrations.RunPython.noop)]
