from django.urls import path

from . import views

urlpatterns = [
    path("", views.jurisdiction_list, name="jurisdiction_list"),
    path("<str:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
]
