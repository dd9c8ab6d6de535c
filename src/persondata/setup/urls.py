from django.urls import path

from persondata.setup import views

app_name = "setup"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("company/", views.company, name="company"),
    path("year/", views.year, name="year"),
    path("partners/", views.partners, name="partners"),
    path("staff/", views.staff, name="staff"),
    path("customers/", views.customers, name="customers"),
    path("review/", views.review_page, name="review"),
    path("adopt/", views.adopt, name="adopt"),
    path("<slug:key>/confirm/", views.confirm, name="confirm"),
]
