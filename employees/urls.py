from django.urls import path

from employees import views

app_name = "employees"

urlpatterns = [
    path("", views.employee_list, name="list"),
    path("me/", views.my_scores, name="me"),
]
