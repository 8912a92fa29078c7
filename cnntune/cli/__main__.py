"""`python -m cnntune.cli`: the `tune` command."""

from cnntune.cli import main

main()
