from django.urls import path

from employees import views

app_name = "employees"

urlpatterns = [
    path("", views.employee_list, name="list"),
    path("import/", views.employee_import, name="import"),
    path("import/template.xlsx", views.employee_import_template, name="import_template"),
    path("import/<uuid:pk>/", views.employee_import_job, name="import_job"),
    path("import/<uuid:pk>/confirm/", views.employee_import_confirm, name="import_confirm"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/slips/<int:department_id>/", views.slips_department, name="slips_department"),
    path("accounts/slip/", views.slip_employee, name="slip_employee"),
    path("accounts/heads/", views.heads, name="heads"),
]
