from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.my_day, name="my-day"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("customers/", include("customers.urls")),
    path("admin/", admin.site.urls),
]
