import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from inbound.smtp import receiver


class Command(BaseCommand):
    help = "Run the inbound SMTP receiver until interrupted."

    def handle(self, *args, **options):
        controller = receiver()
        controller.start()
        self.stdout.write(
            f"Receiving mail on {settings.INBOUND_SMTP_HOST}:{settings.INBOUND_SMTP_PORT}"
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        stop.wait()
        controller.stop()
