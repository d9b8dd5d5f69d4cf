from django.urls import path

from . import declare, status_views, views

urlpatterns = [
    path("", views.jurisdiction_list, name="jurisdiction_list"),
    path("map/", views.map_page, name="places_map"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/<slug:code>/", views.segment_detail, name="segment_detail"),
    path("passages/<slug:code>/", views.passage_detail, name="passage_detail"),
    path("passages/<slug:code>/status/", status_views.passage_status_edit, name="passage_status_edit"),
    path("grids/without-worker/", views.grids_without_worker, name="grids_without_worker"),
    path("villages/<str:code>/", views.village_detail, name="village_detail"),
    path("villages/<str:code>/status/", status_views.village_status_edit, name="village_status_edit"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/<uuid:public_id>/reject/", views.declaration_reject, name="declaration_reject"),
    path("declare/", views.declare, name="declare"),
    path("declare/thanks/", views.declare_thanks, name="declare_thanks"),
    path("declare/places.json", declare.declare_places_json, name="declare_places"),
    path("<str:code>/", views.jurisdiction_detail, name="jurisdiction_detail"),
]
