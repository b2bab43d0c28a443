from django.urls import path

from guichet.selfcare.views import account, assistance

urlpatterns = [
    path("", account.account, name="account"),
    path("activite/", assistance.activity_log, name="activity_log"),
]
