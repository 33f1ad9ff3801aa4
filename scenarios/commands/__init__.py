"""One module per `fwdnet` command or command group; each imports its engine lazily."""
