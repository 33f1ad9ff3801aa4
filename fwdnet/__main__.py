"""`python -m fwdnet …` is the `fwdnet` command."""

from fwdnet.scenarios.cli import main

main()
