from django.apps import AppConfig


class SelfcareConfig(AppConfig):
    name = "guichet.selfcare"
    label = "selfcare"
