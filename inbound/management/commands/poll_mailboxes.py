from django.core.management.base import BaseCommand

from inbound.imap import mailboxes_poll


class Command(BaseCommand):
    help = "Store the new mail of the IMAP mailboxes of INBOUND_IMAP_URLS once."

    def handle(self, *args, **options):
        self.stdout.write(f"{mailboxes_poll()} new messages stored")
