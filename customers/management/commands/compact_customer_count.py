from django.core.management.base import BaseCommand

from customers.tasks import compact_live_customer_count


class Command(BaseCommand):
    help = "Fold the kept count of live customers into one row (beat does it hourly)."

    def handle(self, *args, **options):
        total = compact_live_customer_count()
        self.stdout.write(f"{total} live customers")
