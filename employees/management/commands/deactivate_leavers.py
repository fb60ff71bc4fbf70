from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from employees.accounts import account_leavers_deactivate


class Command(BaseCommand):
    help = (
        "Switch off the logins of employees whose last day (left_on) has passed, "
        "and drop their unused activation codes. Run daily from cron."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = account_leavers_deactivate()
        self.stdout.write(_("%(count)d leavers' logins switched off.") % {"count": count})
