"""The web shell: FastAPI app factory, routers, Jinja2 templates and vendored static files."""
