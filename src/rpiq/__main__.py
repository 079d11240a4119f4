"""``python -m rpiq`` runs the command-line interface."""

from rpiq.cli import main

raise SystemExit(main())
