"""An MXNet script importing a module neogluon does not have."""

import mxnet.module  # noqa: F401  (the legacy Module API)
