"""The advisor console's URLs, in the `backoffice` namespace, under `/conseiller/`."""

from django.urls import path

from guichet.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("demarches/<int:request_id>/", views.request_detail, name="request_detail"),
    path("demarches/<int:request_id>/<slug:action>/", views.request_act, name="request_act"),
    path(
        "demarches/<int:request_id>/justificatifs/<int:proof_id>/",
        views.request_proof,
        name="request_proof",
    ),
    path("incidents/<int:ticket_id>/", views.ticket_detail, name="ticket_detail"),
    path("incidents/<int:ticket_id>/note/", views.ticket_note, name="ticket_note"),
    path("incidents/<int:ticket_id>/statut/", views.ticket_move, name="ticket_move"),
    path("messages/<int:customer_id>/", views.thread, name="thread"),
    path("paiements/<int:attempt_id>/attribuer/", views.payment_credit, name="payment_credit"),
    path("paiements/<int:attempt_id>/rembourser/", views.payment_refund, name="payment_refund"),
    path("remboursements/<int:refund_id>/relance/", views.refund_retry, name="refund_retry"),
    path("remboursements/<int:refund_id>/virement/", views.refund_transfer, name="refund_transfer"),
]
