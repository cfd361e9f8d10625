from django.urls import path

from . import views

app_name = "voice"

urlpatterns = [
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/thanks/", views.feedback_thanks, name="feedback-thanks"),
    path("survey/<str:token>/", views.survey, name="survey"),
]
