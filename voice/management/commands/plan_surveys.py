from django.core.management.base import BaseCommand

from voice import surveys
from voice.loyalty import loyalty_refresh_stale


class Command(BaseCommand):
    help = (
        "Create the surveys now due (after resolved complaints, and periodic ones) and send "
        "them; then bring the oldest loyalty scores up to date. Safe to rerun."
    )

    def handle(self, *args, **options):
        created = surveys.plan_surveys()
        self.stdout.write(f"{created} surveys created")
        refreshed = loyalty_refresh_stale()
        self.stdout.write(f"{refreshed} loyalty scores refreshed")
