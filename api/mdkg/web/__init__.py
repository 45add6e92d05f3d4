"""The FastAPI service: ``create_app(settings)`` builds it."""
