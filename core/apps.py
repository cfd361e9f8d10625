from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    # The label the app shipped under, so its migrations and tables keep their names.
    label = "crm"
    verbose_name = "Rapport"
