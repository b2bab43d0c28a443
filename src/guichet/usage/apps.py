from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "guichet.usage"
    label = "usage"
