from django.core.management.base import BaseCommand

from crm import at_risk


class Command(BaseCommand):
    help = "Choose the dashboard's at-risk candidates now (beat does it every few minutes)."

    def handle(self, *args, **options):
        chosen = at_risk.shortlist_choose()
        self.stdout.write(f"At-risk candidates chosen: {chosen}")
