"""The optimizer and learning-rate schedule a trial trains with.

"adamw" and "sgd" get decoupled weight decay (Keras 3 applies `weight_decay` as
`w -= lr * wd * w`), never on batch-norm scales and shifts or biases, whose
decay only fights the normalisation. "adam" is plain Adam without decay: in
Keras 3, Adam with `weight_decay` *is* AdamW, so decaying both would make the
two choices of the search one and the same.
"""

from __future__ import annotations

import keras

from cnntune.model._hparams import HParams

_ONE_CYCLE_WARMUP = 0.3  # fraction of all steps spent warming up (Smith's one-cycle)
_ONE_CYCLE_START = 25.0  # warm-up starts at lr / 25, the one-cycle default "div_factor"
_NO_DECAY = ["gamma", "beta", "bias"]  # variable names excluded from weight decay


class _LocalGradients:
    """Skips Keras' cross-replica gradient sum when there is a single replica.

    Keras' TensorFlow optimizer always calls `ReplicaContext.all_reduce`, whose
    custom gradient registers a new global gradient function each time a train
    step is traced, and so keeps every trial's traced train step alive: RSS grew
    by tens of MB per trial in one process (bench/memory_across_trials.py). With
    one replica the sum is the identity, so nothing is lost by skipping it.
    """

    def _all_reduce_sum_gradients(self, grads_and_vars):
        import tensorflow as tf

        if tf.distribute.get_strategy().num_replicas_in_sync == 1:
            return list(grads_and_vars)
        return super()._all_reduce_sum_gradients(grads_and_vars)


@keras.saving.register_keras_serializable(package="cnntune")
class Adam(_LocalGradients, keras.optimizers.Adam):
    pass


@keras.saving.register_keras_serializable(package="cnntune")
class AdamW(_LocalGradients, keras.optimizers.AdamW):
    pass


@keras.saving.register_keras_serializable(package="cnntune")
class SGD(_LocalGradients, keras.optimizers.SGD):
    pass


def uses_plateau(hp: HParams) -> bool:
    """True when the trial must add a ReduceLROnPlateau callback (the LR is a plain float)."""
    return hp.lr_schedule == "plateau"


def decays_to_zero(hp: HParams) -> bool:
    """True when the schedule ends at 0 on the last epoch the trial was given.

    Such a trial is not stopped early: its best epochs come at the end of its
    schedule, after validation accuracy may have stalled for a while at a high LR.
    """
    return hp.lr_schedule != "plateau"


def build_optimizer(hp: HParams, *, steps_per_epoch: int, epochs: int) -> keras.optimizers.Optimizer:
    """The optimizer `hp` names, with its learning-rate schedule over the whole run.

    Args:
        hp: the trial's hyperparameters (optimizer, learning_rate, momentum,
            weight_decay, lr_schedule).
        steps_per_epoch: batches per epoch; with `epochs`, the schedule's length.
        epochs: epochs the model will train for.
    """
    lr = learning_rate_schedule(hp, total_steps=_total_steps(steps_per_epoch, epochs))
    # None skips the decay ops instead of multiplying by 0; plain Adam has none (see above)
    decay = None if hp.optimizer == "adam" else (hp.weight_decay or None)
    if hp.optimizer == "sgd":
        optimizer = SGD(lr, momentum=hp.momentum, nesterov=True, weight_decay=decay)
    elif hp.optimizer == "adamw":
        optimizer = AdamW(lr, weight_decay=decay or 0.0)
    else:
        optimizer = Adam(lr, weight_decay=decay)
    if decay:
        optimizer.exclude_from_weight_decay(var_names=_NO_DECAY)
    return optimizer


def learning_rate_schedule(hp: HParams, *, total_steps: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """hp.learning_rate as the peak of the schedule `hp.lr_schedule` names.

    "plateau" is a constant the ReduceLROnPlateau callback lowers; "cosine"
    decays to 0 over the run; "linear" decays linearly to 0 over the run (the
    budget-aware schedule of Li, Yumer & Ramanan, "Budgeted Training", ICLR
    2020); "one_cycle" warms up linearly from lr/25 over the first 30 % of the
    steps, then decays by a cosine to 0. `total_steps` is what the trial was
    given (its allotted epochs), so every decaying schedule reaches 0 at its end.
    """
    if hp.lr_schedule == "plateau":
        return float(hp.learning_rate)
    if hp.lr_schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(hp.learning_rate, decay_steps=total_steps)
    if hp.lr_schedule == "linear":
        return keras.optimizers.schedules.PolynomialDecay(
            hp.learning_rate, decay_steps=total_steps, end_learning_rate=0.0, power=1.0
        )
    warmup = max(1, round(_ONE_CYCLE_WARMUP * total_steps))
    return keras.optimizers.schedules.CosineDecay(
        hp.learning_rate / _ONE_CYCLE_START,
        decay_steps=max(1, total_steps - warmup),
        warmup_target=hp.learning_rate,
        warmup_steps=warmup,
    )


def _total_steps(steps_per_epoch: int, epochs: int) -> int:
    if steps_per_epoch < 1 or epochs < 1:
        raise ValueError(f"steps_per_epoch and epochs must be >= 1, but got {steps_per_epoch=}, {epochs=}")
    return steps_per_epoch * epochs
