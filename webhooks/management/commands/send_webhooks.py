from django.core.management.base import BaseCommand

from webhooks.delivery import deliveries_forget_old, deliveries_send_due


class Command(BaseCommand):
    help = (
        "POST the webhook deliveries that are due, send again those a dead worker left claimed, "
        "and forget old ones (as beat's send-due-webhooks does; safe to rerun)."
    )

    def handle(self, *args, **options):
        deliveries_forget_old()
        self.stdout.write(f"{deliveries_send_due()} webhooks delivered")
