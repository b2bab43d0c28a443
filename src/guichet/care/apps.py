from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "guichet.care"
    label = "care"
