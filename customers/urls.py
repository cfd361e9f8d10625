from django.urls import path

from . import audit, consent_views, import_views, views

app_name = "customers"

# The profile, <int:pk>/ named "detail", is added by config/urls.py: it shows the timeline and
# complaints, so its view lives in interactions, which this app must not import.
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("reassign/", views.customers_reassign, name="reassign"),
    path("import/", import_views.customer_import, name="import"),
    path("import/<int:pk>/", import_views.customer_import_preview, name="import-preview"),
    path("import/<int:pk>/status/", import_views.customer_import_status, name="import-status"),
    path("export.csv", import_views.customer_export, name="export"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/audit/", audit.customer_audit, name="audit"),
    path("<int:pk>/archive/", views.customer_archive, name="archive"),
    path("<int:pk>/restore/", views.customer_restore, name="restore"),
]

# Public pages at the site's root, outside the customers/ prefix and its namespace, like the
# unsubscribe page: config/urls.py includes them with path("", include(public_urlpatterns)).
public_urlpatterns = [
    path("consent/<str:token>/", consent_views.marketing_consent, name="marketing-consent"),
]
