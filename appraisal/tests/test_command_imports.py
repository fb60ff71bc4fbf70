"""The management commands start without the heavy libraries only some of them use.

openpyxl (and PIL behind it) takes most of a second to import; a command that
merely closes a quarter, or prints its --help, must not pay for it. Each check
runs in a fresh interpreter, since this one has long imported everything.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("openpyxl", "PIL", "segno")
PROJECT_APPS = ("appraisal", "employees", "feedback", "awards", "demo")

PROBE = """
import json, sys
import django
django.setup()
from django.core.management import get_commands, load_command_class
commands = {n: a for n, a in get_commands().items() if a in sys.argv[2:]}
loaded = {}
for name, app in sorted(commands.items()):
    load_command_class(app, name)
    loaded[name] = sorted(m for m in sys.argv[1].split(",") if m in sys.modules)
print(json.dumps(loaded))
"""


def _probe(*apps: str) -> dict[str, list[str]]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *apps],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_setting_up_django_and_loading_every_project_command_imports_no_heavy_library():
    loaded = _probe(*PROJECT_APPS)

    assert "close_quarter" in loaded
    assert "import_sheets" in loaded
    assert "export_payout" in loaded
    assert loaded == {name: [] for name in loaded}


@pytest.mark.parametrize("command", ["close_quarter", "export_payout"])
def test_a_commands_help_works_without_the_exports_imported_up_front(command):
    env = {**os.environ, "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "help", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert f"manage.py {command}" in result.stdout
