from django.contrib import admin
from django.urls import include, path

from customers.unsubscribe_views import unsubscribe

from . import dashboard_views, views

urlpatterns = [
    path("", views.my_day, name="my-day"),
    path("healthz", views.healthz, name="healthz"),
    path("dashboard/", dashboard_views.dashboard_view, name="dashboard"),
    path("dashboard/staff/<int:user_id>/", dashboard_views.staff_member, name="staff-member"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("customers/", include("customers.urls")),
    path("", include("interactions.urls")),
    path("", include("voice.urls")),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("admin/", admin.site.urls),
]
