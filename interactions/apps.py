from django.apps import AppConfig

from core.outbox.signals import email_settled


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self):
        # Imported here because they read the models, which Django has not loaded yet when it
        # imports this module.
        from .complaints.emails import complaint_email_settled
        from .digests import digest_email_settled

        email_settled.connect(complaint_email_settled, dispatch_uid="interactions.complaints")
        email_settled.connect(digest_email_settled, dispatch_uid="interactions.digests")
