from django.urls import path

from guichet.selfcare.views import emergencies

urlpatterns = [
    path("lignes/<int:line_id>/perte-vol/", emergencies.loss_theft, name="loss_theft"),
    path(
        "lignes/<int:line_id>/carte-sim/commander/",
        emergencies.sim_replacement,
        name="sim_replacement",
    ),
    path(
        "lignes/<int:line_id>/carte-sim/activer/", emergencies.sim_activation, name="sim_activation"
    ),
    path("lignes/<int:line_id>/reactivation/", emergencies.suspension_lift, name="suspension_lift"),
    path("lignes/<int:line_id>/desimlockage/", emergencies.unlock_code, name="unlock_code"),
]
