from django.urls import path

from guichet.selfcare.views import auth, security

urlpatterns = [
    path("connexion/deuxieme-etape/", auth.login_second_step, name="login_second_step"),
    path("mot-de-passe-oublie/", auth.password_reset, name="password_reset"),
    path("mot-de-passe-oublie/envoye/", auth.password_reset_sent, name="password_reset_sent"),
    path("mot-de-passe-oublie/termine/", auth.password_reset_done, name="password_reset_complete"),
    path(
        "mot-de-passe-oublie/<str:uidb64>/<str:token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("confirmer-mon-adresse/<str:token>/", security.email_confirm, name="email_confirm"),
    path("compte/mot-de-passe/", security.password_change, name="password_change"),
    path("compte/identifiant/", security.login_email, name="login_email"),
    path("compte/coordonnees/", security.contact_details, name="contact_details"),
    path("compte/validation-en-deux-etapes/", security.two_step, name="two_step"),
    path(
        "compte/validation-en-deux-etapes/commencer/",
        security.two_step_start,
        name="two_step_start",
    ),
    path(
        "compte/validation-en-deux-etapes/confirmer/",
        security.two_step_confirm,
        name="two_step_confirm",
    ),
    path(
        "compte/validation-en-deux-etapes/abandonner/",
        security.two_step_cancel,
        name="two_step_cancel",
    ),
    path(
        "compte/validation-en-deux-etapes/desactiver/",
        security.two_step_off,
        name="two_step_off",
    ),
    path(
        "compte/validation-en-deux-etapes/codes-de-secours/",
        security.two_step_recovery_codes,
        name="two_step_recovery_codes",
    ),
]
