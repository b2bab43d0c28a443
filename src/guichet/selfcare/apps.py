from django.apps import AppConfig


class SelfcareConfig(AppConfig):
    name = "guichet.selfcare"
    label = "selfcare"

    def ready(self) -> None:
        # Connects the sign-in stamp that sensitive pages check.
        from guichet.selfcare import reauth  # noqa: F401
