# The staff profile and the access log moved to the access floor (persondata.access). Their tables stay; only
# Django's record of which app owns them changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("register", "0003_retention_shredding")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="StaffProfile"),
                migrations.DeleteModel(name="AccessLog"),
            ]
        )
    ]
