from django.urls import path

from guichet.payments import views

app_name = "payments"

urlpatterns = [
    path("psp/stripe/webhook", views.stripe_webhook, name="stripe_webhook"),
]
