from django.urls import path

from guichet.selfcare import views

app_name = "selfcare"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("factures/payer-les-impayes", views.arrears_pay, name="arrears_pay"),
    path("factures/<str:number>/payer", views.invoice_pay, name="invoice_pay"),
    path("lignes/<int:line_id>/recharges/<slug:code>/acheter", views.top_up_buy, name="top_up_buy"),
    path("paiements/<int:attempt_id>/carte", views.card_payment, name="card_payment"),
    path(
        "paiements/<int:attempt_id>/authentification",
        views.card_payment_authentication,
        name="card_payment_authentication",
    ),
    path("paiements/<int:attempt_id>", views.card_payment_result, name="card_payment_result"),
    path("factures/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("factures/<str:number>/duplicata", views.invoice_duplicate, name="invoice_duplicate"),
]
