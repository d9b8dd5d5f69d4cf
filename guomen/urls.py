from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from guomen.api import api, api_urls
from guomen.loop.views import intake as intake_views
from guomen.shell import offline as shell_offline
from guomen.shell import twofactor_views
from guomen.shell import views as shell_views

urlpatterns = [
    # First: every API call is matched here at once, instead of after the pages' patterns.
    api_urls("api/", api),
    path("", shell_views.home, name="home"),
    # The installable app: its worker at the root (its scope is every page), manifest, field page.
    path("sw.js", shell_offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", shell_offline.manifest, name="manifest"),
    path("field/", shell_offline.field, name="field"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("account/tokens/", shell_views.tokens, name="tokens"),
    path("account/two-factor/", twofactor_views.setup, name="two_factor_setup"),
    path("account/two-factor/verify/", twofactor_views.verify, name="two_factor_verify"),
    path("account/two-factor/recovery-codes/", twofactor_views.recovery_codes, name="two_factor_recovery_codes"),
    path("account/tokens/<uuid:public_id>/revoke/", shell_views.token_revoke_view, name="token_revoke"),
    path("audit/access/", shell_views.access_log, name="access_log"),
    path("i18n/setlang/", set_language, name="set_language"),
    # Journeys begin in loop; their pages sit beside the village pages.
    path("places/returnees/new/", intake_views.returnee_new, name="returnee_new"),
    path("places/declarations/<uuid:public_id>/confirm/", intake_views.declaration_confirm, name="declaration_confirm"),
    path("places/", include("guomen.places.urls")),
    path("org/", include("guomen.org.urls")),
    path("command/", include("guomen.command.urls")),
    path("emergency/", include("guomen.emergency.urls")),
    path("loop/", include("guomen.loop.urls")),
    path("alerts/", include("guomen.alerts.urls")),
    path("people/", include("guomen.people.urls")),
    path("duty/", include("guomen.duty.urls")),
    path("public/", include("guomen.public.urls")),
    path("exchange/", include("guomen.exchange.urls")),
    path("admin/", admin.site.urls),
]
