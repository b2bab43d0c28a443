"""Shared fixtures. Each test database is created by pytest-django (SQLite in memory, or a
`test_<name>` database on the PostgreSQL server named by DATABASE_URL)."""
