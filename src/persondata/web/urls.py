from django.contrib.auth import views as auth_views
from django.urls import include, path

from persondata.access import account
from persondata.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only (Django ≥ 5)
    path("customers/", views.customer_search, name="customer_search"),
    path("customers/suggest/", views.customer_suggest, name="customer_suggest"),
    path("customers/<uuid:customer_id>/", views.customer_detail, name="customer"),
    path("staff/", include("persondata.access.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language (POST)
    path("account/security/", account.security, name="account_security"),
    path("account/otp/", account.otp_verify, name="otp_verify"),
]
