from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "guichet.billing"
    label = "billing"

    def ready(self) -> None:
        from guichet.billing import checks  # noqa: F401 (registers the checks)
