# Retention (persondata.retention): a customer's contact data and customer number can be deleted while the
# invoices that must be kept under the bookkeeping act stay, so their blobs and blind indexes become nullable;
# and the day the customer relationship ended is kept once the records it was computed from are gone.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0002_restriction"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="number_bidx",
            field=models.BinaryField(max_length=16, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="customer",
            name="name_bidx",
            field=models.BinaryField(db_index=True, max_length=16, null=True),
        ),
        migrations.AlterField(
            model_name="customer",
            name="contact_blob",
            field=models.BinaryField(null=True),
        ),
        migrations.AlterField(
            model_name="customer",
            name="number_blob",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="relationship_ended_on",
            field=models.DateField(null=True),
        ),
    ]
