from django.urls import path

from guichet.selfcare import views

app_name = "selfcare"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("factures/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("factures/<str:number>/duplicata", views.invoice_duplicate, name="invoice_duplicate"),
]
