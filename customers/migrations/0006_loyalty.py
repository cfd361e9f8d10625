"""The loyalty score, its factors and when it was worked out (voice.loyalty writes them).

"Most loyal first" sorts DESC NULLS LAST; its index is created on PostgreSQL only, since SQLite
cannot declare NULLS LAST in an index (there the sort scans, which is fine at that size).
"""

from django.conf import settings
from django.db import migrations, models


def create_descending_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_loyalty_desc "
        "ON customers_customer (loyalty_score DESC NULLS LAST, id DESC)"
    )


def drop_descending_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS customer_loyalty_desc")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_customer_customer_birthday_md_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="loyalty_computed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="loyalty_factors",
            field=models.JSONField(default=dict, editable=False, verbose_name="loyalty factors"),
        ),
        migrations.AddField(
            model_name="customer",
            name="loyalty_score",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, verbose_name="loyalty score"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["loyalty_score", "id"], name="customer_loyalty"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["loyalty_computed_at"], name="customer_loyalty_age"),
        ),
        migrations.RunPython(create_descending_index, drop_descending_index),
    ]
