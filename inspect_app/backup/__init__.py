"""Backups of an instance: the database, the uploaded and generated files, and a manifest."""
