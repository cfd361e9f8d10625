from django.core.management.base import BaseCommand

from interactions.reminders.planning import plan_reminders


class Command(BaseCommand):
    help = "Create reminders for check-ins, follow-ups, complaint targets and key dates now due."

    def handle(self, *args, **options):
        created = plan_reminders()
        self.stdout.write(f"{created} reminders created")
