from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dealbook.web"
    label = "web"
