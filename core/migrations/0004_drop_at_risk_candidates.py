"""The at-risk shortlist goes, triggers and all: the dashboard scores every candidate in one
statement and keeps the result a few minutes (front.at_risk)."""

import importlib

from django.db import migrations

shortlist = importlib.import_module("core.migrations.0002_at_risk_candidates")


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_password_reset_request")]

    operations = [
        migrations.RunSQL(shortlist.DROP_TRIGGERS, shortlist.CREATE_TRIGGERS),
        migrations.DeleteModel(name="AtRiskCandidate"),
        migrations.DeleteModel(name="AtRiskShortlist"),
    ]
