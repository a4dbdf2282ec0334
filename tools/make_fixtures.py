"""Generate reference fixtures with real MXNet 1.9.1.

Runs only where mxnet==1.9.1 is installed (the git-ignored ``.venv-ref``)::

    .venv-ref/bin/python tools/make_fixtures.py            # every family
    .venv-ref/bin/python tools/make_fixtures.py ops_nn     # one family

Each module ``tools/fixtures/<family>.py`` defines ``generate(out_dir, mx)`` and
writes small ``.npz``/``.params``/``.json`` files under
``tests/fixtures/mxnet-1.9.1/<family>/``. Fixtures store inputs, attributes,
outputs and gradients (never seeds: the two RNGs differ). The test suite reads
them without MXNet.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "mxnet-1.9.1"


def main(argv: list[str]) -> int:
    # Native (non-oneDNN) kernels: oneDNN's pooling backward is wrong in predict
    # mode (docs/mxnet-behaviours.md, "Behaviours not copied"). Set before mxnet is imported.
    os.environ.setdefault("MXNET_MKLDNN_ENABLED", "0")
    os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    import mxnet as mx  # noqa: PLC0415 - only in the reference environment
    import numpy as np

    if mx.__version__ != "1.9.1":
        print(f"need mxnet 1.9.1, found {mx.__version__}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "tools"))
    families = argv or sorted(
        p.stem for p in (ROOT / "tools" / "fixtures").glob("*.py") if p.stem[0] != "_"
    )
    for fam in families:
        mod = importlib.import_module(f"fixtures.{fam}")
        out_dir = OUT / fam
        out_dir.mkdir(parents=True, exist_ok=True)
        print(f"generating {fam} -> {out_dir.relative_to(ROOT)}")
        mod.generate(out_dir, mx)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    manifest = OUT / "manifest.json"
    data = json.loads(manifest.read_text()) if manifest.exists() else {}
    data.update(
        {
            "mxnet": mx.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "generator_commit": commit,
            "mkldnn_enabled": os.environ.get("MXNET_MKLDNN_ENABLED"),
        }
    )
    fams = set(data.get("families", [])) | set(families)
    data["families"] = sorted(fams)
    manifest.write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
