"""URLs of the quarter's rule settings, included under `appraisal:` by `appraisal/urls.py`."""

from django.urls import path

from appraisal.views import settings as views

urlpatterns: list = [
    path("<quarter:code>/", views.rule_settings, name="rule_settings"),
]
