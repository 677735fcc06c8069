"""Task records from a Hugging Face dataset (SWE-Gym, SWE-bench and their variants).

The hub is probed with a one-second connection first: without network, `datasets` would retry
for half a minute before failing, and a training script should learn at once that it must point
at a local file instead. With `HF_DATASETS_OFFLINE=1` (or `HF_HUB_OFFLINE=1`) no probe is made and
`datasets` reads its local cache.
"""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlparse

from .errors import MissingDependencyError, TaskLoadError

__all__ = ["load_hub_records", "looks_like_hub_name"]

_PROBE_TIMEOUT = 1.0


def looks_like_hub_name(source: str) -> bool:
    """`owner/name` with no such local path: a dataset on the hub."""
    parts = source.split("/")
    return len(parts) == 2 and all(parts) and not os.path.exists(source) and "." not in parts[0][:1]


def _offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"))


def _probe(endpoint: str) -> str | None:
    """None if the hub answers a TCP connection within a second, else why not."""
    url = urlparse(endpoint)
    host, port = url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=_PROBE_TIMEOUT):
            return None
    except OSError as exc:
        return f"{host}:{port} is unreachable ({exc})"


def load_hub_records(name: str, *, split: str = "train") -> list[dict[str, Any]]:
    """The records of dataset `name`, split `split`, as dicts."""
    if not _offline():
        why = _probe(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
        if why is not None:
            raise TaskLoadError(
                f"cannot load the dataset {name!r} from the Hugging Face hub: {why}. Without network, "
                f"export it where there is network (datasets.load_dataset({name!r}, split={split!r})"
                ".to_parquet('tasks.parquet')) and pass tasks='tasks.parquet', or set HF_DATASETS_OFFLINE=1 "
                "to use a copy already in the local datasets cache")
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError(f"loading {name!r} from the hub needs datasets: pip install 'nano-gym[datasets]'") from None
    try:
        dataset = datasets.load_dataset(name, split=split)
    except Exception as exc:  # noqa: BLE001 - datasets raises many unrelated types
        raise TaskLoadError(f"cannot load the dataset {name!r} (split {split!r}): {type(exc).__name__}: {exc}") from None
    return [dict(row) for row in dataset]
