from django.urls import path

from . import national_views, policy_views, views

app_name = "command"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("list/<slug:key>/", views.list_view, name="list"),
    path("trends/", views.trends, name="trends"),
    path("national/", national_views.national_page, name="national"),
    path("trends.json", views.trends_json, name="trends_json"),
    path("map/", views.map_page, name="map"),
    path("map/figures.geojson", views.map_figures, name="map_figures"),
    path("map/base/<slug:name>.geojson", views.map_base, name="map_base"),
    path("reports/", views.reports, name="reports"),
    path("reports/write/<slug:unit_code>/", views.report_write, name="report_write"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report_detail"),
    path("reports/<uuid:public_id>/acknowledge/", views.report_ack, name="report_ack"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<uuid:public_id>/", views.task_detail, name="task_detail"),
    path("tasks/<uuid:public_id>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<uuid:public_id>/cancel/", views.task_cancel, name="task_cancel"),
    path("sitrep.pdf", views.sitrep_pdf, name="sitrep_pdf"),
    path("policies/", policy_views.policy_compare, name="policies"),
    path("policies/publish/", policy_views.policy_publish, name="policy_publish"),
    path("capacity/", policy_views.capacity, name="capacity"),
]
