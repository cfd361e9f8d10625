from django.core.management.base import BaseCommand

from core.outbox.delivery import emails_send_due


class Command(BaseCommand):
    help = (
        "Send what the outbox holds that is due, and mark uncertain what a dead worker left "
        "claimed (as beat's send-due-emails does; safe to rerun)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{emails_send_due()} emails sent")
