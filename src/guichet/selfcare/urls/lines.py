from django.urls import path

from guichet.selfcare.views import lines

urlpatterns = [
    path("lignes/", lines.lines, name="lines"),
]
