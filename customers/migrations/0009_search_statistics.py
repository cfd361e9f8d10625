"""Fuller statistics for the search's trigram indexes, so the search keeps its plan.

With the default sample, whether a search term such as "customer4242" looked rare or common
depended on which rows ANALYZE happened to read: where it looked common, PostgreSQL walked the
name index for the first page and filtered every customer on the way. A thousand histogram
buckets sample up to 300,000 rows, every customer of most books, and the estimate stays put.
"""

from django.db import migrations

COLUMNS = ("name", "company", "email", "phone")


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_live_customer_count")]

    operations = [
        migrations.RunSQL(
            [f"ALTER INDEX customer_{c}_trgm ALTER COLUMN 1 SET STATISTICS 1000" for c in COLUMNS]
            + ["ANALYZE customers_customer"],
            [f"ALTER INDEX customer_{c}_trgm ALTER COLUMN 1 SET STATISTICS -1" for c in COLUMNS],
        )
    ]
