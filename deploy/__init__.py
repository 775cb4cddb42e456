"""How the assistant's processes are run: `make run` (one of each) and `make run-scaled` (replicas)."""
