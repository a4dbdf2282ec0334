"""An MXNet script that exits with the status given as its first argument."""

import os
import sys

import mxnet as mx

if __name__ == "__main__":
    print(
        "imported", mx.__version__, "alias env", os.environ.get("NEOGLUON_MXNET_ALIAS")
    )
    sys.exit(int(sys.argv[1]))
