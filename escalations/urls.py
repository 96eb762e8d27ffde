from django.urls import path

from escalations import views, views_lead

app_name = "escalations"
urlpatterns = [
    path("cases/<int:case_pk>/escalate/", views.packet_builder, name="packet_builder"),
    path("<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("<int:pk>/review/", views.escalation_review, name="escalation_review"),
    path("packets/<int:pk>/", views.packet_detail, name="packet_detail"),
    path("packets/<int:pk>/export/<str:fmt>/", views.packet_export, name="packet_export"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("queue/", views_lead.escalation_queue, name="escalation_queue"),
    path("radar/", views_lead.radar_banner, name="radar_banner"),
    path("dashboard/", views_lead.dashboard, name="dashboard"),
]
