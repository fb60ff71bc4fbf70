from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company behind `manage.py load_demo`: no models, a command and its data."""

    name = "demo"
