from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/details/", views.case_update, name="case_update"),
    path("cases/<int:pk>/status/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/notes/", views.case_note_create, name="case_note_create"),
    path("cases/<int:pk>/checklists/", views.checklist_add, name="checklist_add"),
    path(
        "cases/<int:pk>/items/<int:item_pk>/",
        views.checklist_item_update,
        name="checklist_item_update",
    ),
    path("cases/<int:pk>/evidence/", views.evidence_create, name="evidence_create"),
]
