"""An MXNet script importing a module neogluon does not have."""

import mxnet.tvmop  # noqa: F401  (TVM operators: no neogluon counterpart)
