import click
@click.group("backup")
def backup_cli() -> None:
    """Back up and restore."""
