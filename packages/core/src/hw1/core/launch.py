"""The command line that runs a script under torchrun on this machine, for tests, benchmarks and
scripts that start a small DDP job in a subprocess. Torch-free: the child imports torch, not the caller."""

from __future__ import annotations

import os
import socket
import sys


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for torchrun's rendezvous)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_command(nproc_per_node: int, *script_and_args: str | os.PathLike[str]) -> list[str]:
    """``python -m torch.distributed.run`` with ``nproc_per_node`` processes meeting on 127.0.0.1 at a
    free port, followed by the script and its arguments: the argv for :func:`subprocess.run`."""
    torchrun = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc_per_node}"]
    return [*torchrun, "--master_addr=127.0.0.1", f"--master_port={free_port()}", *map(str, script_and_args)]
