"""`cnntune.model` stays cheap to import: the CLI and the search space use HParams alone."""

from __future__ import annotations

import subprocess
import sys


def test_model_package_import_loads_no_keras_until_a_keras_function_is_used():
    code = (
        "import sys, cnntune.model as m; m.HParams;"
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules;"
        "import cnntune.model.training as t;"
        "assert callable(t.build_model) and 'keras' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
