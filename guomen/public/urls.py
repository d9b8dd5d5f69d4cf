from django.urls import path

from . import feeds, office, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("bulletins/<uuid:public_id>/", views.bulletin, name="bulletin"),
    path("bulletins/<uuid:public_id>/cap.xml", views.bulletin_cap, name="bulletin_cap"),
    path("feed.atom", feeds.BulletinFeed(), name="feed"),
    path("notices.geojson", views.notices_geojson, name="notices_geojson"),
    path("map/base.geojson", views.base_map, name="base_map"),
    path("questions/", views.questions, name="questions"),
    path("report/", views.report, name="report"),
    path("report/status/", views.report_status, name="report_status"),
    # The information office and the command (signed in).
    path("office/", office.bulletins, name="office"),
    path("office/bulletins/<uuid:public_id>/", office.bulletin, name="office_bulletin"),
    path("office/bulletins/<uuid:public_id>/cap.xml", office.bulletin_cap, name="office_bulletin_cap"),
    path("office/questions/", office.questions, name="office_questions"),
    path("office/reports/", office.reports, name="office_reports"),
    path("office/reports/<str:code>/", office.report, name="office_report"),
    path("office/reports/<str:code>/photo", office.report_photo, name="office_report_photo"),
]
