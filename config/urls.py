from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views
from integrations.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("triage.urls")),
    path("diagnostics/", include("diagnostics.urls")),
    path("escalations/", include("escalations.urls")),
    path("integrations/", include("integrations.urls")),
    path("practice/", include("practice.urls")),
    path("api/", api.urls),
]
