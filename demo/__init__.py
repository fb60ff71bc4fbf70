"""The demo company: `manage.py load_demo` and the roster it is built from (data/company.json)."""
