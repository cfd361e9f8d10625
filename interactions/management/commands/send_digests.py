from django.core.management.base import BaseCommand

from interactions import digests
from interactions.reminders import planning as reminders


class Command(BaseCommand):
    help = "Send today's digest to everyone with something due (once a day each; safe to rerun)."

    def handle(self, *args, **options):
        # As the beat task does: plan first, so the digest has what fell due since the last run.
        reminders.plan_reminders()
        sent = failed = 0
        for digest_id in digests.schedule_digests():
            try:
                sent += digests.digest_send(digest_id)
            except OSError as error:  # smtplib.SMTPException is an OSError
                failed += 1
                self.stderr.write(f"Digest {digest_id} not sent, will be retried: {error}")
        self.stdout.write(f"{sent} digests sent" + (f", {failed} failed" if failed else ""))
