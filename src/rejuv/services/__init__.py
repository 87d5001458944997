"""Use cases: orchestrate the core and storage and own the transactions. Each takes a unit of work."""
