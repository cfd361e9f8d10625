from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("accounts/calendar/", views.feed_page, name="feed"),
    path("accounts/calendar/new/", views.feed_new, name="new"),
    path("accounts/calendar/<int:pk>/turn-off/", views.feed_turn_off, name="turn-off"),
    path("calendar/<str:token>.ics", views.feed_ics, name="ics"),
]
