from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
]
