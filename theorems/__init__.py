"""Theorem families: one module per paper or family, each with its sources, systems and statements.

Modules here are registered through the ``checker.theorems`` entry-point group of
``pyproject.toml``; the engine (``checker/``) never imports them by name.
"""
