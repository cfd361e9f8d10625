from django.core.management.base import BaseCommand

from customers.models import Customer
from voice.loyalty import loyalty_recompute


class Command(BaseCommand):
    help = "Recompute loyalty scores now: the given customer ids, or every live customer."

    def add_arguments(self, parser):
        parser.add_argument("customer_ids", nargs="*", type=int)

    def handle(self, *args, customer_ids, **options):
        ids = customer_ids or Customer.objects.live().order_by("pk").values_list("pk", flat=True)
        count = 0
        for customer_id in ids.iterator() if hasattr(ids, "iterator") else ids:
            loyalty_recompute(customer_id)
            count += 1
        self.stdout.write(f"{count} loyalty scores recomputed")
