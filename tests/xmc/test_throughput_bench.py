"""bench/xmc/throughput.py: it times train()'s own step, not a copy of it."""
import importlib.util
import json
import os
from unittest import mock

import pytest

import ml.xmc.train

from .conftest import make_products

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "xmc", "throughput.py")


@pytest.fixture(scope="module")
def throughput():
    spec = importlib.util.spec_from_file_location("throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_training_timing_steps_with_train_step(throughput, tmp_path, taxonomy, tiny_encoder, capsys):
    (tmp_path / "taxonomy.json").write_text(json.dumps(taxonomy))
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in make_products(24)))
    with mock.patch.object(ml.xmc.train, "train_step", autospec=True,
                           side_effect=ml.xmc.train.train_step) as step:
        assert throughput.main(["--bench", str(tmp_path), "--encoder", tiny_encoder, "--batch-size", "4",
                                "--batches", "3", "--max-length", "32", "--no-bf16",
                                "--skip", "predict,head"]) == 0
    assert step.call_count == 2 + 3  # two warm-up steps, then one per timed batch
    assert "| overhead of ml.xmc |" in capsys.readouterr().out
