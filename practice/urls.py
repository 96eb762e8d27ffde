from django.urls import path

from practice import views

app_name = "practice"
urlpatterns = [
    path("", views.practice_home, name="practice_home"),
    path("scenarios/<int:pk>/start/", views.scenario_start, name="scenario_start"),
    path("assign/", views.attempt_assign, name="attempt_assign"),
    path("attempts/<int:pk>/start/", views.attempt_start, name="attempt_start"),
    path("attempts/<int:pk>/diagnose/", views.attempt_diagnose, name="attempt_diagnose"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:pk>/scorecard/", views.attempt_scorecard, name="attempt_scorecard"),
    path("dashboard/", views.practice_dashboard, name="practice_dashboard"),
]
