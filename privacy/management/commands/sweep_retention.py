from django.core.management.base import BaseCommand

from privacy import retention


class Command(BaseCommand):
    help = "Forget what is past its retention: import files, message and email bodies."

    def handle(self, *args, **options):
        files = retention.import_files_expire()
        messages = retention.inbound_bodies_expire()
        emails = retention.outbox_bodies_expire()
        self.stdout.write(
            f"{files} import files, {messages} message bodies, {emails} email bodies forgotten"
        )
