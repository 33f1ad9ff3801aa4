"""Scenario files, their generator, the pipeline that strings the stages together, and the CLI."""
