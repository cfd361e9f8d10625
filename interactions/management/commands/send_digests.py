from django.core.management.base import BaseCommand

from core.outbox.delivery import emails_send_due
from interactions import digests
from interactions.reminders import planning as reminders


class Command(BaseCommand):
    help = "Send today's digest to everyone with something due (once a day each; safe to rerun)."

    def handle(self, *args, **options):
        # As the beat task does: plan first, so the digest has what fell due since the last run.
        reminders.plan_reminders()
        queued = digests.schedule_digests()
        # Then what the outbox holds that is due, this one included, without waiting for a worker.
        sent = emails_send_due()
        self.stdout.write(f"{queued} digests queued, {sent} emails sent")
