from django.urls import path

from persondata.api.endpoints import api

urlpatterns = [path("", api.urls)]
