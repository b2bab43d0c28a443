from django.apps import AppConfig


class LinesConfig(AppConfig):
    name = "guichet.lines"
    label = "lines"
