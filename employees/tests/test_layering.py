"""employees is a leaf: the other apps build on it, it builds on none of them."""

import ast
from pathlib import Path

import employees

OTHER_APPS = {"appraisal", "awards", "feedback", "demo"}


def _imported_apps(source: str) -> set[str]:
    apps = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            apps |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            apps.add(node.module.split(".")[0])
    return apps & OTHER_APPS


def test_no_module_of_employees_imports_another_app():
    root = Path(employees.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(apps)
        for path in root.rglob("*.py")
        if "tests" not in path.relative_to(root).parts
        and (apps := _imported_apps(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}
