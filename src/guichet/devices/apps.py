from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "guichet.devices"
    label = "devices"
