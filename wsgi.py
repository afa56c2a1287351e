"""WSGI entry point: ``gunicorn wsgi:app`` or any other WSGI server."""

from inspect_app import create_app

app = create_app()
