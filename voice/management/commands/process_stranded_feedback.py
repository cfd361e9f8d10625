from django.core.management.base import BaseCommand

from voice.services import feedback_process_stranded


class Command(BaseCommand):
    help = (
        "Process the feedback form submissions stored a minute ago or more and never "
        "processed (the web process or the database stopped in between). Safe to rerun, and "
        "to run beside beat's own run."
    )

    def handle(self, *args, **options):
        processed = feedback_process_stranded()
        self.stdout.write(f"{processed} feedback submissions processed")
