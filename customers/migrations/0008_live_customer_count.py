"""The kept count of live customers (LiveCustomerCount): PostgreSQL triggers add a row for every
statement that adds, archives, restores or deletes customers, and the first row is the count
as it stands.

Inserts and deletes are counted once a statement, from its transition table, so an import or a
COPY of 100,000 customers adds one row. Updates are counted row by row, and only when
``archived_at`` changes between set and unset: the other updates (a logged contact, a
recomputed score) do not fire at all. SQLite, the zero-setup default, counts the customers
instead.
"""

from django.db import migrations, models

CREATE_TRIGGERS = """
CREATE FUNCTION customers_live_count_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customers_livecustomercount (delta)
    SELECT count(*) FROM added WHERE archived_at IS NULL HAVING count(*) > 0;
    RETURN NULL;
END $$;

CREATE FUNCTION customers_live_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customers_livecustomercount (delta)
    SELECT -count(*) FROM removed WHERE archived_at IS NULL HAVING count(*) > 0;
    RETURN NULL;
END $$;

CREATE FUNCTION customers_live_count_archived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customers_livecustomercount (delta)
    VALUES (CASE WHEN NEW.archived_at IS NULL THEN 1 ELSE -1 END);
    RETURN NULL;
END $$;

CREATE FUNCTION customers_live_count_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM customers_livecustomercount;
    RETURN NULL;
END $$;

CREATE TRIGGER customers_live_count_added AFTER INSERT ON customers_customer
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION customers_live_count_added();
CREATE TRIGGER customers_live_count_removed AFTER DELETE ON customers_customer
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION customers_live_count_removed();
CREATE TRIGGER customers_live_count_archived AFTER UPDATE OF archived_at ON customers_customer
    FOR EACH ROW WHEN ((OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL))
    EXECUTE FUNCTION customers_live_count_archived();
CREATE TRIGGER customers_live_count_emptied AFTER TRUNCATE ON customers_customer
    FOR EACH STATEMENT EXECUTE FUNCTION customers_live_count_emptied();

INSERT INTO customers_livecustomercount (delta)
SELECT count(*) FROM customers_customer WHERE archived_at IS NULL;
"""

DROP_TRIGGERS = """
DROP TRIGGER customers_live_count_added ON customers_customer;
DROP TRIGGER customers_live_count_removed ON customers_customer;
DROP TRIGGER customers_live_count_archived ON customers_customer;
DROP TRIGGER customers_live_count_emptied ON customers_customer;
DROP FUNCTION customers_live_count_added();
DROP FUNCTION customers_live_count_removed();
DROP FUNCTION customers_live_count_archived();
DROP FUNCTION customers_live_count_emptied();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_owner_due_live")]

    operations = [
        migrations.CreateModel(
            name="LiveCustomerCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("delta", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
