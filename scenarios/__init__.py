"""Scenario files, their generator, the runner that strings the stages together, and the CLI."""
