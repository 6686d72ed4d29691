"""Proctor's SQLite store: one writer connection, a reader per thread, migrations by sqlite-utils.

    store = Store.open(settings.database_path)
    user = users.create(store, email="a@example.com", password_hash=h, role="candidate")

Query functions live in modules named by noun (users, sessions, submissions...). Nothing here imports the web layer.
"""

from proctor.store.database import Store

__all__ = ["Store"]
