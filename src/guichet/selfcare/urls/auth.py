from django.urls import path

from guichet.selfcare.views import auth

urlpatterns = [
    path("connexion/", auth.LoginView.as_view(), name="login"),
    path("deconnexion/", auth.LogoutView.as_view(), name="logout"),
    path("confirmer-mon-identite/", auth.reauthenticate, name="reauthenticate"),
]
