# The job runner's tables, moved here from retention: created by retention.0001 and kept as they are.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("retention", "0002_job_runner_to_jobs")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobLock",
                    fields=[
                        ("name", models.CharField(max_length=60, primary_key=True, serialize=False)),
                        ("holder", models.CharField(blank=True, default="", max_length=120)),
                        ("expires_at", models.DateTimeField(null=True)),
                    ],
                    options={"db_table": "job_lock"},
                ),
                migrations.CreateModel(
                    name="JobRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("job", models.CharField(max_length=40)),
                        ("day", models.DateField()),
                        ("started_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(null=True)),
                        ("status", models.CharField(default="running", max_length=12)),
                        ("host", models.CharField(max_length=120)),
                        ("summary", models.JSONField(default=dict)),
                    ],
                    options={
                        "db_table": "job_run",
                        "indexes": [models.Index(fields=["job", "day"], name="job_run_job_day")],
                    },
                ),
            ]
        )
    ]
