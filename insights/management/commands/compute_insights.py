from django.core.management.base import BaseCommand

from insights import computing, weekly


class Command(BaseCommand):
    help = 'Recompute the trend tables, then send the weekly "what\'s changing" if it is due.'

    def handle(self, *args, **options):
        run = computing.insights_compute()
        queued = weekly.weekly_changes_send()
        self.stdout.write(
            f"Insights computed in {run.seconds:.1f} s; {queued} weekly emails queued."
        )
