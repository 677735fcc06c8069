"""nano_gym: a Gymnasium environment over real software-engineering tasks.

Importing the package registers `NanoSWE-v0`; nothing else happens at import time.
"""

from __future__ import annotations

from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all
from .tasks import RuntimeSpec, Task, load_tasks

__version__ = "0.1.0"
__all__ = ["RuntimeSpec", "Task", "load_tasks", "__version__", *_errors_all]

from .envs.registration import register_envs as _register_envs  # noqa: E402

_register_envs()
