from django.urls import path

from . import case_page, views

app_name = "voice"

urlpatterns = [
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/thanks/", views.feedback_thanks, name="feedback-thanks"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("case/<str:token>/", case_page.case, name="case"),
    path("case/<str:token>/seen/", case_page.case_seen, name="case-seen"),
    path("case/<str:token>/message/", case_page.case_message, name="case-message"),
    path("case/<str:token>/remedy/", case_page.case_remedy, name="case-remedy"),
    path("case/<str:token>/fixed/", case_page.case_fixed, name="case-fixed"),
    path("case/<str:token>/survey/", case_page.case_survey, name="case-survey"),
]
