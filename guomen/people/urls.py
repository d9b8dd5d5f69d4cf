from django.urls import path

from . import privacy_views, views

urlpatterns = [
    path("", views.person_search, name="people_search"),
    path("mrz/", views.mrz, name="people_mrz"),
    path("break-glass/", privacy_views.break_glass, name="people_break_glass"),
    path("watch-list/", views.watch_list, name="people_watch_list"),
    path("watch-list/<uuid:public_id>/deactivate/", views.watch_deactivate, name="people_watch_deactivate"),
    path("documents/<uuid:public_id>/reveal/", views.document_reveal, name="people_document_reveal"),
    path("<uuid:public_id>/", views.person_detail, name="people_person_detail"),
    path("<uuid:public_id>/export.json", privacy_views.person_export, name="people_person_export"),
    path("<uuid:public_id>/correct/", privacy_views.person_correct, name="people_person_correct"),
]
