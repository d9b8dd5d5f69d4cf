from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/<str:action>/", views.act, name="act"),
]
