from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="edit"),
    path("<int:pk>/rotate-secret/", views.endpoint_rotate, name="rotate-secret"),
    path("<int:pk>/enable/", views.endpoint_enable, name="enable"),
    path("<int:pk>/disable/", views.endpoint_disable, name="disable"),
    path("<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("<int:pk>/ping/", views.endpoint_ping, name="ping"),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/replay/",
        views.delivery_replay,
        name="replay",
    ),
]
