"""The kept count of live customers goes: the customer list counts them, at most once a minute
per process (customers.selectors.live_customer_count)."""

import importlib

from django.db import migrations

kept_count = importlib.import_module("customers.migrations.0008_live_customer_count")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_search_statistics"),
        ("crm", "0002_at_risk_candidates"),
        ("interactions", "0010_fell_short_of_customer"),
    ]

    operations = [
        migrations.RunSQL(kept_count.DROP_TRIGGERS, kept_count.CREATE_TRIGGERS),
        migrations.DeleteModel(name="LiveCustomerCount"),
    ]
