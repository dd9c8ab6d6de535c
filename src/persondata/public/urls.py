"""The public pages customers use without an account (docs/public-pages.md), under /privacy/."""

from django.urls import path

from persondata.public import answer_views, policy_versions
from persondata.public import views as public_views

app_name = "public"

urlpatterns = [
    path("", policy_versions.policy, name="policy"),
    path("versions/", policy_versions.version_list, name="policy_versions"),
    path("versions/<int:number>/", policy_versions.version_page, name="policy_version"),
    path("request/", public_views.request_form, name="request"),
    path("request/thanks/", public_views.thanks, name="thanks"),
    path("confirm/", public_views.confirm_submit, name="confirm_submit"),
    path("confirm/<str:token>/", public_views.confirm, name="confirm"),
    path("answer/", answer_views.answer_open, name="answer_open"),
    path("answer/files/", answer_views.answer_files, name="answer_files"),
    path("answer/files/<uuid:document_id>/", answer_views.answer_file, name="answer_file"),
    path("answer/<str:token>/", answer_views.answer, name="answer"),
    path("schemas/portability-v1.schema.json", public_views.portability_schema, name="portability_schema"),
]
