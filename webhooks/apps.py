from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from core.events import happened


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # Imported here because they read the models, which Django has not loaded yet when it
        # imports this module. The apps that emit events cannot import them, being below.
        from .models import WebhookEndpoint
        from .recording import record_event
        from .subscriptions import endpoint_changed

        happened.connect(record_event, dispatch_uid="webhooks.record_event")
        post_save.connect(endpoint_changed, sender=WebhookEndpoint, dispatch_uid="webhooks.saved")
        post_delete.connect(
            endpoint_changed, sender=WebhookEndpoint, dispatch_uid="webhooks.deleted"
        )
