import json
import os
import subprocess
import textwrap

import pytest
import torch

from hw1.core import (
    DistributedContext,
    all_reduce_sum,
    get_world_size,
    init_distributed,
    is_main_process,
    reduce_metrics,
    unwrap_model,
)
from hw1.core.launch import torchrun_command

WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import torch

    from hw1.core import (MetricsLogger, all_reduce_sum, barrier, broadcast_buffers, cleanup_distributed,
                          init_distributed, rank_zero_only, reduce_metrics)
    from hw1.core.distributed import main_process_first

    out = Path(sys.argv[1])
    ctx = init_distributed("cpu")
    total = all_reduce_sum(torch.tensor([float(ctx.rank + 1)]))
    mean = reduce_metrics({"acc": float(ctx.rank), "loss": 2.0 * ctx.rank})
    bn = torch.nn.BatchNorm1d(2)
    bn.running_mean.fill_(float(ctx.rank + 5))  # each rank's own statistics; rank 0's must win
    broadcast_buffers(bn)
    bn_mean = all_reduce_sum(bn.running_mean.clone()).tolist()  # summed over ranks: 2 x rank 0's
    MetricsLogger(out / "metrics.jsonl").log(epoch=0, rank=ctx.rank, world=ctx.world_size,
                                               total=total.item(), bn_mean=bn_mean, **mean)

    @rank_zero_only
    def write_marker():
        with (out / "rank0_only.txt").open("a") as fh:
            fh.write(f"{ctx.rank}\\n")

    write_marker()

    def build(first):  # rank 0 first (before the barrier), then the others
        with (out / "order.txt").open("a") as fh:
            fh.write(f"{ctx.rank}:{first}\\n")
        return ctx.rank

    assert main_process_first(build) == ctx.rank
    barrier()
    cleanup_distributed()
    """
)


def test_single_process_context_without_torchrun(monkeypatch):
    for var in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    ctx = init_distributed("cpu")
    assert ctx == DistributedContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"))
    assert ctx.is_main and not ctx.is_distributed
    assert get_world_size() == 1 and is_main_process()
    assert all_reduce_sum(torch.tensor([2.0])).item() == 2.0
    assert reduce_metrics({"a": 1.5}) == {"a": 1.5}


def test_unwrap_model_strips_compile_wrappers():
    inner = torch.nn.Linear(2, 2)

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self._orig_mod = inner

    assert unwrap_model(Wrapped()) is inner
    assert unwrap_model(inner) is inner


@pytest.mark.ddp
def test_two_process_gloo_run_reduces_and_writes_on_rank0_only(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    proc = subprocess.run(
        torchrun_command(2, script, tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 1
    record = lines[0]
    assert record["rank"] == 0 and record["world"] == 2
    assert record["total"] == 3.0  # 1 + 2 summed over ranks
    assert record["acc"] == 0.5 and record["loss"] == 1.0  # averaged over ranks
    assert record["bn_mean"] == [10.0, 10.0]  # both ranks hold rank 0's buffers (5) after broadcast_buffers
    assert (tmp_path / "rank0_only.txt").read_text() == "0\n"
    assert (tmp_path / "order.txt").read_text() == "0:True\n1:False\n"
