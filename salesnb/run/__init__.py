"""Running the product: the ``salesnb`` command, the papermill runner, ``init``, checks and doc generators.

The top layer: may import everything below it; nothing imports it (see docs/architecture.md).
"""
