import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ml_xmc_never_imports_django():
    code = ("import sys; import ml.xmc.cli, ml.xmc.train, ml.xmc.model, ml.xmc.metrics, ml.xmc.scratch, "
            "ml.xmc.bench; assert 'django' not in sys.modules, 'django imported'")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                   env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
