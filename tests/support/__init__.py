"""What many tests share: tiny data layouts, tiny spaces and searches, the PostgreSQL admin, child processes.

A package (`support.x`), not top-level modules, so no helper can shadow an installed package.
"""
