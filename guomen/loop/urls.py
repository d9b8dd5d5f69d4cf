from django.urls import path

from guomen.alerts import views as alert_views

from . import views

app_name = "loop"

urlpatterns = [
    path("", views.index, name="index"),
    path("port/", views.port_desk, name="port"),
    path("port/register/", views.port_register, name="register"),
    path("port/manifest/", views.port_manifest, name="manifest"),
    path("port/manifest/refused.csv", views.manifest_refused, name="manifest_refused"),
    path("port/manifest/template.<str:fmt>", views.manifest_template, name="manifest_template"),
    path("port/manifest/jobs/<uuid:public_id>/", views.manifest_job, name="manifest_job"),
    path("port/manifest/jobs/<uuid:public_id>/progress.json", views.manifest_job_progress, name="manifest_job_progress"),
    path("port/manifest/jobs/<uuid:public_id>/refused.<str:fmt>", views.manifest_job_refused, name="manifest_job_refused"),
    path("port/bus/", views.busload, name="busload"),
    path("port/bus/cards/", views.busload_cards, name="busload_cards"),
    path("transfer/", views.transfer_desk, name="transfer"),
    path("facility/", views.facility_desk, name="facility"),
    path("hospital/", views.hospital_desk, name="hospital"),
    path("village/", views.village_desk, name="village"),
    path("accept/", views.scan, name="scan"),
    path("find/", views.find, name="find"),
    path("destinations/", views.destinations, name="destinations"),
    path("alerts/", alert_views.legacy_inbox, name="alerts"),  # moved to /alerts/
    path("alerts/<uuid:public_id>/<str:action>/", alert_views.act, name="alert_act"),
    path("j/<str:code>/", views.journey_detail, name="journey"),
    path("j/<str:code>/card/", views.loop_card, name="card"),
    path("j/<str:code>/certificate.pdf", views.certificate, name="certificate"),
    path("j/<str:code>/<str:action>/", views.journey_act, name="act"),
]
