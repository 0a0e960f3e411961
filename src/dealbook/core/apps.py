from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dealbook.core"
    label = "core"
    verbose_name = "Core"
