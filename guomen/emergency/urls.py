from django.urls import path

from . import views

app_name = "emergency"

urlpatterns = [
    path("", views.plans_page, name="plans"),
    path("activations/<uuid:public_id>/", views.board_page, name="board"),
    path("activations/<uuid:public_id>/aar.pdf", views.aar_pdf, name="aar_pdf"),
]
