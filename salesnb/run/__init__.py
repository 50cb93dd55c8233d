"""Running the product: the ``salesnb`` command, the papermill runner, ``init``, checks and doc generators.

The top layer: may import everything below it; nothing imports it (see docs/architecture.md).
"""

import sys

# jsonschema (imported by nbformat, so by papermill and nbconvert in the runner and each of its workers)
# compiles rfc3987-syntax's IRI grammar at import when that package is installed (JupyterLab's
# jupyter-events installs it): 1.5 s of CPU per process, for an "iri" format check that notebook
# validation never uses. Marking it absent makes jsonschema skip that one format checker.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
