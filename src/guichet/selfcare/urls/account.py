from django.urls import path

from guichet.selfcare.views import account, assistance, line_settings, tracking

urlpatterns = [
    path("compte/", account.account, name="account"),
    path("compte/activite/", assistance.activity_log, name="activity_log"),
    # -- portal: personal information and tracking --
    path("compte/identite/", account.identity, name="identity"),
    path("compte/profil/", account.profile, name="profile"),
    path("compte/adresse-de-facturation/", account.billing_address, name="billing_address"),
    path("compte/preferences-de-contact/", account.contact_preferences, name="contact_preferences"),
    path("compte/annuaire/", account.directory_listing, name="directory_listing"),
    path("compte/contrats/", account.contracts, name="contracts"),
    path(
        "compte/contrats/<int:line_id>/recapitulatif.pdf",
        account.contract_pdf,
        name="contract_pdf",
    ),
    path("compte/commandes/", tracking.orders, name="orders"),
    path("compte/commandes/<int:order_id>/", tracking.order_detail, name="order_detail"),
    path("compte/demarches/", tracking.requests, name="requests"),
    path("compte/demarches/<int:request_id>/", tracking.request_detail, name="request_detail"),
    path("compte/messages/", tracking.messages, name="messages"),
    path("lignes/<int:line_id>/utilisateur/", line_settings.line_user, name="line_user"),
    path("lignes/<int:line_id>/appels-bloques/", line_settings.blocked_calls, name="blocked_calls"),
    path(
        "lignes/<int:line_id>/appels-bloques/<int:blocked_id>/debloquer/",
        line_settings.blocked_call_remove,
        name="blocked_call_remove",
    ),
    path(
        "compte/box/<int:line_id>/adresses-e-mail/",
        line_settings.box_mailboxes,
        name="box_mailboxes",
    ),
    path(
        "compte/box/<int:line_id>/adresses-e-mail/<int:mailbox_id>/supprimer/",
        line_settings.box_mailbox_remove,
        name="box_mailbox_remove",
    ),
]
