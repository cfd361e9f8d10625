"""The app's URLs plus /__floor__/<name>/: each page's own SQL, replayed without templates."""

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

from . import floor

urlpatterns = [
    path("__floor__/<str:name>/", floor.floor_view, name="bench-floor"),
    *app_urlpatterns,
]
