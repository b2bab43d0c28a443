from django.urls import path

from guichet.selfcare.views import usage, usage_control

urlpatterns = [
    path("conso/", usage.usage, name="usage"),
    path(
        "conso/lignes/<int:line_id>/data/",
        usage_control.data_usage_mode,
        name="data_usage_mode",
    ),
    path(
        "conso/lignes/<int:line_id>/achats-sur-facture/",
        usage_control.carrier_billing,
        name="carrier_billing",
    ),
    path("conso/lignes/<int:line_id>/vod/", usage_control.vod_purchases, name="vod_purchases"),
    path(
        "conso/tarifs-internationaux/",
        usage_control.international_rates,
        name="international_rates",
    ),
    # A Lignes page (the box's interface), served with the usage acts that push to the network.
    path("lignes/<int:line_id>/box/", usage_control.box_settings, name="box_settings"),
]
