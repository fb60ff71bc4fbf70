from django.core.management.base import BaseCommand

from employees.services import role_groups_sync


class Command(BaseCommand):
    help = (
        "Create the role groups (appraisal_office, hr, department_head, staff) and give "
        "the office and HR their admin permissions. Run it after every migrate."
    )

    def handle(self, *args: object, **options: object) -> None:
        role_groups_sync()
        self.stdout.write(self.style.SUCCESS("Role groups and permissions are in place."))
