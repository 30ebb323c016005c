"""Read-only SPARQL: parsing and checks, worker processes with time limits, result formats."""
