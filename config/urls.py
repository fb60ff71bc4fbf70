from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from appraisal.views.my_scores import my_scores
from employees import urls as employee_urls
from employees import views as employee_views

admin.site.site_header = _("Smile Appraisal · administration")
admin.site.site_title = _("Smile Appraisal")
admin.site.index_title = _("Records")

urlpatterns = [
    path("", employee_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("activate/", employee_views.activate, name="activate"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # "My scores" is an appraisal page, kept at its address and name (employees:me)
    # beside the employee pages; employees itself imports nothing from appraisal.
    path(
        "employees/",
        include(
            (
                [path("me/", my_scores, name="me"), *employee_urls.urlpatterns],
                employee_urls.app_name,
            )
        ),
    ),
    path("appraisal/", include("appraisal.urls")),
    path("feedback/", include("feedback.urls")),
    path("awards/", include("awards.urls")),
]

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
