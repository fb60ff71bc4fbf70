from django.urls import path

from awards import views

app_name = "awards"

urlpatterns = [
    path("", views.index, name="index"),
    path("award-badges/issue/", views.award_badges_issue_view, name="award_badges_issue"),
    path("award-badges/<int:pk>/return/", views.award_badge_return_view, name="award_badge_return"),
    path("award-badges/<int:pk>/lost/", views.award_badge_lost_view, name="award_badge_lost"),
    path("work-badges/", views.work_badges, name="work_badges"),
    path("work-badges/lost/", views.work_badge_lost_view, name="work_badge_lost"),
    path(
        "work-badges/issue-missing/",
        views.work_badges_issue_missing_view,
        name="work_badges_issue_missing",
    ),
    path("badges/print/", views.print_badges, name="print"),
]
