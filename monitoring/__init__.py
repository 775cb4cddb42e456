"""Health, readiness and Prometheus metrics shared by the action server, the desk and the KB publish server."""
