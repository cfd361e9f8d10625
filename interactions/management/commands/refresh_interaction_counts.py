from django.core.management.base import BaseCommand

from interactions import stats


class Command(BaseCommand):
    help = "Summarise interactions per day for the dashboard (the first run covers all history)."

    def handle(self, *args, **options):
        written = stats.refresh()
        through = stats.counted_through()
        self.stdout.write(f"{written} day counts written; summarised through {through}")
