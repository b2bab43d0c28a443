from django.urls import path

from guichet.selfcare.views import payments

urlpatterns = [
    path("paiements/<int:attempt_id>/carte", payments.card_payment, name="card_payment"),
    path(
        "paiements/<int:attempt_id>/authentification",
        payments.card_payment_authentication,
        name="card_payment_authentication",
    ),
    path("paiements/<int:attempt_id>", payments.card_payment_result, name="card_payment_result"),
]
