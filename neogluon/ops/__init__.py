"""The operator registry and every operator family.

Importing this package registers all operators. Frontends (``nd``, ``sym``) and
the graph executor read the registry; nothing else defines math.
"""

from __future__ import annotations

from . import contrib  # noqa: F401
from . import contrib_rroi  # noqa: F401
from . import contrib_vision  # noqa: F401
from . import creation  # noqa: F401
from . import ctc  # noqa: F401
from . import custom  # noqa: F401
from . import elemwise  # noqa: F401
from . import image  # noqa: F401
from . import indexing  # noqa: F401
from . import legacy  # noqa: F401
from . import linalg  # noqa: F401
from . import nn  # noqa: F401
from . import np_all  # noqa: F401
from . import optimizer_updates  # noqa: F401
from . import quantize  # noqa: F401
from . import quantized_nn  # noqa: F401
from . import random  # noqa: F401
from . import random_pdf  # noqa: F401
from . import reduce  # noqa: F401
from . import rnn  # noqa: F401
from . import shape  # noqa: F401
from . import sparse_ops  # noqa: F401
from .registry import OpDef  # noqa: F401
from .registry import ParamSpec  # noqa: F401
from .registry import get  # noqa: F401
from .registry import list_ops  # noqa: F401
