"""URLs of the quarter workbench, included under `appraisal:` by `appraisal/urls.py`."""

from django.urls import path

from appraisal.views import quarters as views

urlpatterns: list = [
    path("", views.quarters, name="quarters"),
    path("<quarter:code>/", views.quarter, name="quarter"),
    path("<quarter:code>/close/", views.quarter_close_view, name="quarter_close"),
    path("<quarter:code>/reopen/", views.quarter_reopen_view, name="quarter_reopen"),
    path("<quarter:code>/finalize/", views.quarter_finalize_view, name="quarter_finalize"),
    path("<quarter:code>/paid/", views.quarter_paid_view, name="quarter_paid"),
    path("<quarter:code>/results/", views.results, name="results"),
    path(
        "<quarter:code>/results/<int:department_id>/submit/",
        views.results_submit,
        name="results_submit",
    ),
    path("<quarter:code>/approve/", views.quarter_approve_view, name="quarter_approve"),
    path("<quarter:code>/notice/", views.notice, name="notice"),
    path("<quarter:code>/objections/", views.objections, name="objections"),
    path(
        "<quarter:code>/objections/<int:pk>/rule/",
        views.objection_rule_view,
        name="objection_rule",
    ),
    path("<quarter:code>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("<quarter:code>/payout.xlsx", views.payout_xlsx, name="payout_xlsx"),
]
