from django.urls import path

from . import views

app_name = "duty"

urlpatterns = [
    path("", views.me, name="me"),
    path("roster/", views.roster, name="roster"),
    path("posts/<slug:code>/", views.post_detail, name="post"),
    path("posts/<slug:code>/shifts/", views.shift_add, name="shift_add"),
    path("patrols/", views.patrols, name="patrols"),
    path("patrols/plan/", views.patrol_plan, name="patrol_plan"),
    path("patrols/<uuid:public_id>/", views.patrol_detail, name="patrol"),
    path("patrols/<uuid:public_id>/track.gpx", views.patrol_gpx_download, name="patrol_gpx"),
    path("patrols/<uuid:public_id>/<str:action>/", views.patrol_action, name="patrol_action"),
    path("log/", views.log_write, name="log"),
    path("segments/", views.segments, name="segments"),
    path("board/", views.board, name="board"),
    path("incidents/", views.incident_create, name="incident_create"),
    path("incidents/<str:code>/", views.incident_detail, name="incident"),
    path("incidents/<str:code>/advance/", views.incident_advance, name="incident_advance"),
    path("tasks/", views.task_create, name="task_create"),
    path("tasks/<uuid:public_id>/status/", views.task_status, name="task_status"),
]
