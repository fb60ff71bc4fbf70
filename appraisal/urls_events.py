"""URLs of the event ledger, included under `appraisal:` by `appraisal/urls.py`."""

from django.urls import path

from appraisal.views import events as views

urlpatterns: list = [
    path("", views.ledger, name="events"),
    path("new/", views.event_new, name="event_new"),
    path("pending/", views.queue, name="event_queue"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/rule/", views.event_rule_view, name="event_rule"),
]
