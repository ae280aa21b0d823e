"""``python -m rocktop`` runs the CLI."""

from rocktop.cli.main import main

main()
