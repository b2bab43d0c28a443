from django.urls import path

from guichet.selfcare.views import usage

urlpatterns = [
    path("", usage.usage, name="usage"),
]
