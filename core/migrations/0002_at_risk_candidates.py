"""The dashboard's at-risk candidates (front.at_risk). Beat keeps the likeliest; on PostgreSQL,
triggers add at once every customer whose risk jumps: a complaint opened or reopened, a "fell
short" logged or corrected within the last 30 days, a loyalty score fallen under 40, a customer
restored. Inserts count once a statement, from its transition table, so a COPY of a million
interactions runs the trigger once. 30 and 40 are front.at_risk's FELL_SHORT_DAYS and LOW_LOYALTY.
"""

import django.db.models.deletion
from django.db import migrations, models

CREATE_TRIGGERS = """
CREATE FUNCTION crm_at_risk_fell_short() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_atriskcandidate (customer_id)
    SELECT DISTINCT customer_id FROM changed
    WHERE outcome = 'fell_short' AND occurred_at >= now() - interval '30 days'
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION crm_at_risk_complaint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_atriskcandidate (customer_id)
    SELECT DISTINCT customer_id FROM changed
    WHERE status IN ('open', 'acknowledged', 'in_progress')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION crm_at_risk_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO crm_atriskcandidate (customer_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER crm_at_risk_interaction_added AFTER INSERT ON interactions_interaction
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION crm_at_risk_fell_short();
CREATE TRIGGER crm_at_risk_interaction_changed AFTER UPDATE ON interactions_interaction
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION crm_at_risk_fell_short();
CREATE TRIGGER crm_at_risk_complaint_added AFTER INSERT ON interactions_complaint
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION crm_at_risk_complaint();
CREATE TRIGGER crm_at_risk_complaint_changed AFTER UPDATE ON interactions_complaint
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION crm_at_risk_complaint();
CREATE TRIGGER crm_at_risk_customer_changed
    AFTER UPDATE OF loyalty_score, archived_at ON customers_customer
    FOR EACH ROW WHEN (NEW.archived_at IS NULL AND (
        OLD.archived_at IS NOT NULL
        OR (NEW.loyalty_score < 40 AND OLD.loyalty_score IS DISTINCT FROM NEW.loyalty_score)
    ))
    EXECUTE FUNCTION crm_at_risk_customer();
"""

DROP_TRIGGERS = """
DROP TRIGGER crm_at_risk_interaction_added ON interactions_interaction;
DROP TRIGGER crm_at_risk_interaction_changed ON interactions_interaction;
DROP TRIGGER crm_at_risk_complaint_added ON interactions_complaint;
DROP TRIGGER crm_at_risk_complaint_changed ON interactions_complaint;
DROP TRIGGER crm_at_risk_customer_changed ON customers_customer;
DROP FUNCTION crm_at_risk_fell_short();
DROP FUNCTION crm_at_risk_complaint();
DROP FUNCTION crm_at_risk_customer();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_roles"),
        ("customers", "0008_live_customer_count"),
        ("interactions", "0009_followup_promises"),
    ]

    operations = [
        migrations.CreateModel(
            name="AtRiskCandidate",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AtRiskShortlist",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("chosen_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
