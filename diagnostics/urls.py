from django.urls import path

from diagnostics import views

app_name = "diagnostics"
urlpatterns = [
    path("cases/<int:case_pk>/runs/new/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
]
