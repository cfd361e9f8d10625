from django.urls import path

from . import views

app_name = "inbound"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/attach/", views.inbox_attach, name="attach"),
    path("inbox/<int:pk>/create-customer/", views.inbox_create_customer, name="create-customer"),
    path("inbox/<int:pk>/set-aside/", views.inbox_set_aside, name="set-aside"),
    path("inbox/<int:pk>/retry/", views.inbox_retry, name="retry"),
]
