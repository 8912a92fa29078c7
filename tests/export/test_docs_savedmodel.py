"""The export page's snippet for calling an exported SavedModel without cnntune (docs/export.md), run as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

EXPORT_PAGE = Path(__file__).resolve().parents[2] / "docs" / "export.md"


def _snippet() -> str:
    text = EXPORT_PAGE.read_text(encoding="utf-8")
    start = text.index("**Calling the SavedModel without cnntune**")
    (code,) = re.findall(r"```python\n(.*?)```", text[start:], flags=re.S)[:1]
    return code


def test_readme_savedmodel_snippet_runs_and_its_rest_body_is_what_the_signature_takes(kept_export, monkeypatch):
    import tensorflow as tf

    monkeypatch.chdir(kept_export.out.parent)
    code = _snippet().replace("best-model", kept_export.out.name)
    scope: dict = {}
    exec(compile(code, "export.md", "exec"), scope)  # noqa: S102 - the page's own code

    probs, labels = scope["probs"], scope["labels"]
    assert probs.shape == (4, 3) and labels.tolist() == probs.argmax(1).tolist()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # what TensorFlow Serving does with the body: the rows of "instances", batched, into the named input
    body = json.loads(scope["body"])
    assert body["signature_name"] == "serving_default"
    loaded = tf.saved_model.load(str(kept_export.out / "saved_model"))
    (input_name,) = loaded.signatures["serving_default"].structured_input_signature[1]
    served = loaded.signatures["serving_default"](**{input_name: tf.constant(np.array(body["instances"], np.uint8))})
    np.testing.assert_allclose(served["output_0"].numpy(), probs, atol=1e-6)
