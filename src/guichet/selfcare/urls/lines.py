from django.urls import path

from guichet.selfcare.views import lines, payments

urlpatterns = [
    path("", lines.lines, name="lines"),
    path("<int:line_id>/recharges/<slug:code>/acheter", payments.top_up_buy, name="top_up_buy"),
]
