"""The four role groups; views check membership by name (employees.models.Role)."""

from django.db import migrations

ROLE_GROUPS = ["appraisal_office", "hr", "department_head", "staff"]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("employees", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(seed, delete_groups)]
