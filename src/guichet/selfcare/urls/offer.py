from django.urls import path

from guichet.selfcare.views import offer, payments

urlpatterns = [
    path(
        "lignes/<int:line_id>/recharges/<slug:code>/acheter",
        payments.top_up_buy,
        name="top_up_buy",
    ),
    path("lignes/<int:line_id>/options/", offer.add_ons, name="add_ons"),
    path("lignes/<int:line_id>/recharges/", offer.top_ups, name="top_ups"),
    path("conso/<int:line_id>/changer-de-forfait/", offer.plan_change, name="plan_change"),
    path(
        "conso/<int:line_id>/changer-d-offre-box/", offer.box_offer_change, name="box_offer_change"
    ),
    path("lignes/<int:line_id>/resilier/", offer.termination, name="termination"),
    path(
        "lignes/<int:line_id>/annuler-la-resiliation/",
        offer.termination_cancel,
        name="termination_cancel",
    ),
    path("lignes/<int:line_id>/retractation/", offer.withdrawal, name="withdrawal"),
    path("lignes/<int:line_id>/ceder/", offer.line_transfer, name="line_transfer"),
    path("lignes/cession/<str:token>/", offer.line_transfer_accept, name="line_transfer_accept"),
    path("lignes/<int:line_id>/changer-de-numero/", offer.number_change, name="number_change"),
    path("lignes/<int:line_id>/demenagement/", offer.box_move, name="box_move"),
    path("lignes/<int:line_id>/bon-de-retour/", offer.return_slip, name="return_slip"),
]
