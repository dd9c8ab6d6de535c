from django.urls import path

from persondata.systems import views

app_name = "systems"

urlpatterns = [
    path("", views.system_list, name="list"),
    path("heat-map.svg", views.heat_map_svg, name="heat_map"),
    path("record.<str:fmt>", views.record_of_processing, name="record"),
    path("<slug:key>/", views.system_detail, name="detail"),
    path("<slug:key>/assess/", views.assess, name="assess"),
]
