from django.urls import path

from persondata.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("holds/", views.hold_create, name="hold_create"),
    path("holds/<uuid:hold_id>/end/", views.hold_end, name="hold_end"),
]
