from django.urls import path

from guichet.selfcare.views import payments

urlpatterns = [
    path(
        "lignes/<int:line_id>/recharges/<slug:code>/acheter",
        payments.top_up_buy,
        name="top_up_buy",
    ),
]
