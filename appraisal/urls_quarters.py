"""URLs of the quarter workbench, included under `appraisal:` by `appraisal/urls.py`."""

from django.urls import path

from appraisal.views import quarters, review

urlpatterns: list = [
    path("", quarters.quarters, name="quarters"),
    path("<quarter:code>/", quarters.quarter, name="quarter"),
    path("<quarter:code>/close/", quarters.quarter_close_view, name="quarter_close"),
    path("<quarter:code>/reopen/", quarters.quarter_reopen_view, name="quarter_reopen"),
    path("<quarter:code>/finalize/", quarters.quarter_finalize_view, name="quarter_finalize"),
    path("<quarter:code>/paid/", quarters.quarter_paid_view, name="quarter_paid"),
    path("<quarter:code>/results/", review.results, name="results"),
    path(
        "<quarter:code>/results/<int:department_id>/submit/",
        review.results_submit,
        name="results_submit",
    ),
    path("<quarter:code>/approve/", review.quarter_approve_view, name="quarter_approve"),
    path("<quarter:code>/notice/", review.notice, name="notice"),
    path("<quarter:code>/objections/", review.objections, name="objections"),
    path(
        "<quarter:code>/objections/<int:pk>/rule/",
        review.objection_rule_view,
        name="objection_rule",
    ),
    path("<quarter:code>/results.xlsx", quarters.results_xlsx, name="results_xlsx"),
    path("<quarter:code>/payout.xlsx", quarters.payout_xlsx, name="payout_xlsx"),
]
