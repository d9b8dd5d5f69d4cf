from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("inbox/", views.inbox_view, name="inbox"),
    path("", views.desk, name="desk"),
    path("messages/<uuid:msg_id>/retry/", views.retry, name="retry"),
    path("keys/rotate/", views.rotate, name="rotate"),
    path("compose/<slug:type_>/", views.compose, name="compose"),
]
