from django.urls import path

from . import history_views, views
from .complaints import views as complaint_views
from .follow_ups import views as follow_up_views
from .reminders import views as reminder_views

app_name = "interactions"

urlpatterns = [
    # Interactions and follow-ups (interactions/views.py)
    path("customers/<int:customer_pk>/log/", views.interaction_log, name="log"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction-edit"),
    path("follow-ups/", follow_up_views.follow_up_list, name="follow-ups"),
    path(
        "customers/<int:customer_pk>/follow-ups/new/",
        follow_up_views.follow_up_create,
        name="follow-up-new",
    ),
    path("follow-ups/<int:pk>/done/", follow_up_views.follow_up_done, name="follow-up-done"),
    path("follow-ups/<int:pk>/snooze/", follow_up_views.follow_up_snooze, name="follow-up-snooze"),
    # Complaint cases (interactions/complaints/views.py)
    path("complaints/", complaint_views.complaint_list, name="complaints"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint"),
    path(
        "customers/<int:customer_pk>/complaints/new/",
        complaint_views.complaint_create,
        name="complaint-new",
    ),
    path(
        "complaints/<int:pk>/transition/",
        complaint_views.complaint_transition,
        name="complaint-transition",
    ),
    path("complaints/<int:pk>/update/", complaint_views.complaint_update, name="complaint-update"),
    path("complaints/<int:pk>/tell/", complaint_views.complaint_tell, name="complaint-tell"),
    path("complaints/<int:pk>/new-link/", complaint_views.complaint_link, name="complaint-link"),
    # Reminders (interactions/reminders/views.py)
    path("reminders/", reminder_views.reminder_list, name="reminders"),
    path("reminders/<int:pk>/done/", reminder_views.reminder_done, name="reminder-done"),
    path("reminders/<int:pk>/snooze/", reminder_views.reminder_snooze, name="reminder-snooze"),
    path("reminders/<int:pk>/dismiss/", reminder_views.reminder_dismiss, name="reminder-dismiss"),
    path("reminders/<int:pk>/retry/", reminder_views.reminder_retry, name="reminder-retry"),
    # History review (interactions/history_views.py)
    path("customers/<int:pk>/history/", history_views.history_print, name="history"),
    path("customers/<int:pk>/history.csv", history_views.history_csv, name="history-csv"),
]
