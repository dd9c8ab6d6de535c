from django.urls import include, path

from persondata.web import access_log_views

urlpatterns = [
    path("api/", include("persondata.api.urls")),
    path("access-log/", access_log_views.access_log_page, name="access_log"),
    path(
        "access-log/<uuid:customer_id>.<str:fmt>",
        access_log_views.access_history_export,
        name="access_history_export",
    ),
    path("retention/", include("persondata.retention.urls")),
    path("privacy/", include("persondata.public.urls")),
    path("requests/", include("persondata.requests.urls")),
    path("partners/", include("persondata.partners.urls")),
    path("governance/", include("persondata.governance.urls")),
    path("systems/", include("persondata.systems.urls")),
    path("setup/", include("persondata.setup.urls")),
    path("", include("persondata.web.urls")),
]

# a database too busy to write (a long import holds the lock): 503 with Retry-After, not a 500 (persondata.web.errors)
handler500 = "persondata.web.errors.server_error"
