"""The public pages customers use without an account: the privacy policy, the request form, confirmation."""

from django.urls import path

from persondata.rights import public_views

app_name = "rights"

urlpatterns = [
    path("confirm/<str:token>/", public_views.confirm, name="confirm"),
]
