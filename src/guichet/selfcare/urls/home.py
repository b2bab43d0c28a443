from django.urls import path

from guichet.selfcare.views import home

urlpatterns = [
    path("", home.home, name="home"),
]
