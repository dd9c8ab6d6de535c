# The job runner's tables moved to the jobs floor (persondata.jobs); the tables themselves stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="JobRun"), migrations.DeleteModel(name="JobLock")]
        )
    ]
