"""Storage: the analytics database (SQLAlchemy models, engine, migrations)."""
