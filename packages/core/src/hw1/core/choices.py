"""The names a training run's configuration accepts for ``precision`` and ``optimizer``, kept free of
torch so that a command's ``--help`` can list them without importing it (checked where they are used:
:func:`hw1.core.resolve_precision`, :func:`hw1.core.build_optimizer`)."""

PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")
OPTIMIZER_CHOICES = ("sgd", "adam", "adamw", "lars")
