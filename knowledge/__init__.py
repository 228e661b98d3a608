"""Knowledge base of the assistant: YAML source of truth, its schema, the database, a snapshot of it, the read API.

Entry points: :mod:`knowledge.api` (used by the actions) and ``python -m knowledge check|build``.
"""
