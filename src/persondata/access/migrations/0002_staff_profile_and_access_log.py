# The staff profile and the access log, moved here from the register: the tables were created by
# register.0001 and are kept as they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("register", "0004_staff_and_access_log_to_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StaffProfile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("roles", models.JSONField(default=list)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="staff",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "staff_profile"},
                ),
                migrations.CreateModel(
                    name="AccessLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField()),
                        ("customer_id", models.UUIDField()),
                        ("categories", models.CharField(max_length=100)),
                        ("purpose", models.CharField(max_length=40)),
                        ("channel", models.CharField(max_length=10)),
                        (
                            "staff",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "access_log",
                        "indexes": [models.Index(fields=["customer_id", "at"], name="access_log_customer_at")],
                    },
                ),
            ]
        )
    ]
