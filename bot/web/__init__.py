"""The project's web process (port 8000): the demo page and, later, staff pages."""
