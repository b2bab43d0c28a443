"""Devices, insurance and after-sales: renewal, insurance, refund offers (Lignes), repairs and
incidents (Compte), network status (Accueil)."""

from django.urls import URLPattern, path

from guichet.selfcare.views import aftersales, devices

urlpatterns: list[URLPattern] = [
    path("lignes/<int:line_id>/nouveau-mobile/", devices.device_renewal, name="device_renewal"),
    path(
        "lignes/<int:line_id>/nouveau-mobile/<int:order_id>/annuler/",
        devices.device_renewal_cancel,
        name="device_renewal_cancel",
    ),
    path(
        "lignes/<int:line_id>/nouveau-mobile/<int:order_id>/retractation/",
        devices.device_renewal_withdraw,
        name="device_renewal_withdraw",
    ),
    path(
        "lignes/<int:line_id>/nouveau-mobile/<int:order_id>/justificatif/",
        devices.device_order_receipt,
        name="device_order_receipt",
    ),
    path(
        "lignes/<int:line_id>/assurance/", devices.insurance_subscribe, name="insurance_subscribe"
    ),
    path(
        "lignes/<int:line_id>/assurance/sinistre/",
        devices.insurance_claim,
        name="insurance_claim",
    ),
    path(
        "lignes/<int:line_id>/offres-de-remboursement/",
        devices.refund_offers,
        name="refund_offers",
    ),
    path("lignes/<int:line_id>/diagnostic/", aftersales.diagnostic, name="diagnostic"),
    path(
        "lignes/<int:line_id>/reparation-express/",
        aftersales.express_repair,
        name="express_repair",
    ),
    path("compte/reparations/", aftersales.repairs, name="repairs"),
    path("compte/incidents/", aftersales.tickets, name="tickets"),
    path("compte/incidents/<int:ticket_id>/", aftersales.ticket_detail, name="ticket_detail"),
    path("meteo-du-reseau/", aftersales.network_status, name="network_status"),
]
