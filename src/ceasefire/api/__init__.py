"""The HTTP service: a thin FastAPI adapter over the services, the one home of FastAPI."""
