"""Numbered schema migrations: ``mNNNN_name.py`` modules, each with ``apply(db, migrator)``.

Applied in number order inside a transaction each, recorded in ``schema_version``.
"""
