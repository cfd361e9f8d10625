from django.urls import path

from . import views

app_name = "announcements"

urlpatterns = [
    path("announcements/", views.announcement_list, name="list"),
    path("announcements/new/", views.announcement_compose, name="new"),
    path("announcements/<int:pk>/", views.announcement_detail, name="detail"),
    path("announcements/<int:pk>/edit/", views.announcement_compose, name="edit"),
    path("announcements/<int:pk>/progress/", views.announcement_progress, name="progress"),
    path("announcements/<int:pk>/send/", views.announcement_send, name="send"),
    path("announcements/<int:pk>/test/", views.announcement_test, name="test"),
    path("announcements/<int:pk>/wishes-met/", views.announcement_wishes_met, name="wishes-met"),
    *(
        path(f"announcements/<int:pk>/{move}/", views.announcement_move, {"move": move}, name=move)
        for move in ("pause", "resume", "cancel")
    ),
]
