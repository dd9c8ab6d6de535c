from django.urls import include, path

urlpatterns = [
    path("api/", include("persondata.api.urls")),
    path("", include("persondata.web.urls")),
]
