from __future__ import annotations

import subprocess
import sys


def test_viz_imports_no_torch_and_no_other_hw1_package():
    # hw1-viz is arrays in, PNG out: importing all of it must pull in neither torch nor hw1.core etc.
    code = (
        "import sys, hw1.viz, hw1.viz.scatter, hw1.viz.overlay, hw1.viz.curves, hw1.viz.stages, "
        "hw1.viz.confusion, hw1.viz.sam_overlay\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m == 'torch' or (m.startswith('hw1.') and not m.startswith('hw1.viz')))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""
