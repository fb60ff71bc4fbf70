from django.urls import path

from feedback import views

app_name = "feedback"

# The fixed paths come before the token: a token is 43 URL-safe characters.
urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("received/", views.received, name="received"),
    path("<slug:token>/", views.employee_feedback, name="employee"),
    path("<slug:token>/thanks/", views.thanks, name="thanks"),
]
