from django.urls import path

from . import editor, views

app_name = "emergency"

urlpatterns = [
    path("", views.plans_page, name="plans"),
    path("new/", editor.plan_new, name="plan_new"),
    path("plans/<slug:code>/", editor.plan_page, name="plan"),
    path("activations/<uuid:public_id>/", views.board_page, name="board"),
    path("activations/<uuid:public_id>/aar.pdf", views.aar_pdf, name="aar_pdf"),
]
