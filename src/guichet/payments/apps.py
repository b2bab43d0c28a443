from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "guichet.payments"
    label = "payments"
