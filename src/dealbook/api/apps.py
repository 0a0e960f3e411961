from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dealbook.api"
    label = "api"
