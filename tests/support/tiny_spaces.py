"""Search spaces for tests, as TOML text: small models that train in about a second on 2 CPU cores."""

# The training half of a tiny space: what any model (cnntune's or a user's) is searched over.
TINY_TRAINING = """
[params.learning_rate]
kind = "float"
low = 1e-3
high = 1e-2
log = true

[params.batch_size]
kind = "categorical"
choices = [16]
"""

TINY_MODELS = (
    """
[params.depth]
kind = "int"
low = 1
high = 2

[params.base_width]
kind = "categorical"
choices = [4, 8]
"""
    + TINY_TRAINING
)

# A conditional parameter on the graph side: CutMix's alpha only when CutMix is on.
WITH_CUTMIX = (
    TINY_MODELS
    + """
[params.cutmix_p]
kind = "float"
low = 0.0
high = 1.0
step = 0.5

[params.cutmix_alpha]
kind = "float"
low = 0.5
high = 1.0
when = "cutmix_p > 0"
"""
)

# A conditional parameter on the optimizer side: momentum only for SGD.
WITH_SGD_MOMENTUM = (
    TINY_MODELS
    + """
[params.optimizer]
kind = "categorical"
choices = ["adam", "sgd"]

[params.momentum]
kind = "float"
low = 0.8
high = 0.95
when = "optimizer == 'sgd'"
"""
)
