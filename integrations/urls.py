from django.urls import path

from integrations.views import cases, leads

app_name = "integrations"
urlpatterns = [
    path("cases/<int:case_pk>/imports/", cases.import_create, name="import_create"),
    path("cases/<int:case_pk>/imports/<int:pk>/", cases.import_detail, name="import_detail"),
    path(
        "cases/<int:case_pk>/imports/<int:pk>/requests/<int:index>/replay/",
        cases.entry_reproduce,
        name="entry_reproduce",
    ),
    path("cases/<int:case_pk>/reply/append/", cases.reply_append, name="reply_append"),
    path("cases/<int:case_pk>/reply/", cases.reply_save, name="reply_save"),
    path("signatures/", leads.signature_list, name="signature_list"),
    path("tokens/", leads.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", leads.token_revoke, name="token_revoke"),
    path("webhooks/", leads.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", leads.webhook_detail, name="webhook_detail"),
    path("deliveries/<int:pk>/replay/", leads.delivery_replay, name="delivery_replay"),
]
