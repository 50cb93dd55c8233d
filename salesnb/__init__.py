"""salesnb: a Jupyter-based sales-performance workbook."""

from salesnb.errors import DataError, ParamsError, SalesnbError

__version__ = "0.1.0"
__all__ = ["DataError", "ParamsError", "SalesnbError", "__version__"]
