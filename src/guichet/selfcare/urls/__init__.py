"""The customer pages' URLs: one module per portal section, all in the `selfcare` namespace.
A section's pages sit under its French prefix (context.current_section reads it)."""

from django.urls import include, path

app_name = "selfcare"

urlpatterns = [
    path("", include("guichet.selfcare.urls.auth")),
    path("", include("guichet.selfcare.urls.home")),
    path("lignes/", include("guichet.selfcare.urls.lines")),
    path("conso/", include("guichet.selfcare.urls.usage")),
    path("factures/", include("guichet.selfcare.urls.invoices")),
    path("compte/", include("guichet.selfcare.urls.account")),
    path("paiements/", include("guichet.selfcare.urls.payments")),
    path("", include("guichet.selfcare.urls.assistance")),
]
