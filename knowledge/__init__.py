"""Knowledge base of the assistant: YAML source of truth, SQLAlchemy models, loader and read API.

Entry points: :mod:`knowledge.api` (used by the actions) and ``python -m knowledge check|build``.
"""
