"""TensorFlow device settings a worker applies before its first op.

They must run before TensorFlow initialises its thread pools and GPUs, which
is why workers call this first thing in their process.
"""

from __future__ import annotations


def configure_tensorflow(*, threads: int | None = None, memory_growth: bool = False) -> None:
    """Applies CPU thread limits and GPU memory growth.

    Args:
        threads: intra-op threads for this process (None = TensorFlow's default, all
            cores). Several workers on one machine split the cores between them.
        memory_growth: allocate GPU memory as needed, so workers can share a GPU.
    """
    import tensorflow as tf

    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, threads)))
    if memory_growth:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow and initialises its devices without start-up noise on stderr.

    TensorFlow's C++ side prints CUDA probing messages ("Could not find cuda
    drivers...") before its log level applies; in a 200-trial live view they are
    spam. Its stderr goes to a temporary file meanwhile, replayed if the import fails
    (not if Ctrl-C stopped it: the interrupt's one line is all the user should see).
    """
    import os
    import sys
    import tempfile

    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except Exception:  # a failed import's log is its explanation; a Ctrl-C's would be noise
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
