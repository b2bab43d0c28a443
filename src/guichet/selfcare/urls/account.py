from django.urls import path

from guichet.selfcare.views import account, assistance

urlpatterns = [
    path("compte/", account.account, name="account"),
    path("compte/activite/", assistance.activity_log, name="activity_log"),
]
