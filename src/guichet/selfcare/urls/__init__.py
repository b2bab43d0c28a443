"""The customer pages' URLs, all in the `selfcare` namespace: one module per part of the portal.
A page's path starts with its section's French prefix (context.current_section reads it):
Accueil "", Lignes "lignes/", Conso "conso/", Factures "factures/", Compte "compte/"."""

from django.urls import include, path

app_name = "selfcare"

urlpatterns = [
    path("", include("guichet.selfcare.urls.auth")),
    path("", include("guichet.selfcare.urls.security")),
    path("", include("guichet.selfcare.urls.home")),
    path("", include("guichet.selfcare.urls.usage")),
    path("", include("guichet.selfcare.urls.lines")),
    path("", include("guichet.selfcare.urls.emergencies")),
    path("", include("guichet.selfcare.urls.offer")),
    path("", include("guichet.selfcare.urls.devices")),
    path("", include("guichet.selfcare.urls.invoices")),
    path("", include("guichet.selfcare.urls.payments")),
    path("", include("guichet.selfcare.urls.account")),
    path("", include("guichet.selfcare.urls.assistance")),
]
