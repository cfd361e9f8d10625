from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path

from core import health, password_reset, preferences
from core.outbox import views as outbox_views
from customers import urls as customer_urls
from customers.unsubscribe_views import unsubscribe
from front import dashboard_views, views
from interactions import views as interaction_views
from privacy import views as privacy_views

# Django's account pages, its password reset swapped for the throttled one.
account_urls = [
    path(
        "password_reset/",
        password_reset.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    *(url for url in auth_urls.urlpatterns if url.name != "password_reset"),
    path("preferences/", preferences.preferences, name="preferences"),
]

# The customer pages plus the profile, whose view lives in interactions because it shows the
# timeline and complaints, and the pages of their data, which reach every app: customers sits
# below both and cannot import them.
customer_pages = [
    *customer_urls.urlpatterns,
    path("<int:pk>/", interaction_views.customer_detail, name="detail"),
    path("<int:pk>/data-export/", privacy_views.data_export, name="data-export"),
    path("<int:pk>/erase/", privacy_views.erase, name="erase"),
    path("erase-due/", privacy_views.erase_due, name="erase-due"),
]

urlpatterns = [
    path("", views.my_day, name="my-day"),
    path("healthz", health.healthz, name="healthz"),
    path("dashboard/", dashboard_views.dashboard_view, name="dashboard"),
    path("dashboard/staff/<int:user_id>/", dashboard_views.staff_member, name="staff-member"),
    path("emails/failed/", outbox_views.failed_emails, name="failed-emails"),
    path("emails/failed/retry/", outbox_views.retry_emails, name="failed-emails-retry"),
    path("accounts/", include(account_urls)),
    path("customers/", include((customer_pages, customer_urls.app_name))),
    path("", include("interactions.urls")),
    path("", include("voice.urls")),
    path("", include("inbound.urls")),
    path("", include("announcements.urls")),
    path("", include("insights.urls")),
    path("", include("calendars.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("", include(customer_urls.public_urlpatterns)),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]
