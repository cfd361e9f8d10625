from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "inbound"
    verbose_name = "Inbound email"

    def ready(self):
        from . import checks  # noqa: F401  (registers the check of INBOUND_IMAP_URLS)
