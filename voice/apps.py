from django.apps import AppConfig

from core.outbox.signals import email_settled
from interactions.signals import customer_experience_changed


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = "Voice of the customer"

    def ready(self):
        # Imported here because they read the models, which Django has not loaded yet when it
        # imports this module. Interactions and the outbox cannot import them, being below.
        from . import rescoring, services, surveys

        customer_experience_changed.connect(
            rescoring.recompute_on_experience_change, dispatch_uid="voice.loyalty.recompute"
        )
        email_settled.connect(services.feedback_email_settled, dispatch_uid="voice.feedback")
        email_settled.connect(surveys.survey_email_settled, dispatch_uid="voice.surveys")
