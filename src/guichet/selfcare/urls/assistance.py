from django.urls import path

from guichet.selfcare.views import assistance

urlpatterns = [
    path("que-souhaitez-vous-faire/", assistance.act_finder, name="act_finder"),
]
