"""Registers every NumPy-interface operator family (``_npi_*`` / ``_np_*``).

MXNet 1.9.1's ``mx.np`` functions run these operators; importing this module
adds them to the one registry beside the legacy operators.
"""

from __future__ import annotations

from . import np_alias  # noqa: F401
from . import np_elemwise  # noqa: F401
from . import np_init  # noqa: F401
from . import np_linalg  # noqa: F401
from . import np_random  # noqa: F401
from . import np_reduce  # noqa: F401
from . import np_shape  # noqa: F401
