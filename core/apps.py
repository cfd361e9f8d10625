from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    # The label the app shipped under, so its migrations and tables keep their names.
    label = "crm"
    verbose_name = "Rapport"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .languages import on_login

        user_logged_in.connect(on_login, dispatch_uid="core.languages")
