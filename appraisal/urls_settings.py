"""URLs of the quarter's rule settings, included under `appraisal:` by `appraisal/urls.py`."""

from django.urls import path

from appraisal.views import settings as views

urlpatterns: list = [
    path("company/", views.company_start_date, name="company_start_date"),
    path("<quarter:code>/", views.rule_settings, name="rule_settings"),
]
