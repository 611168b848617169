import json
import shutil

import pytest

from ml.xmc.errors import ModelFolderError
from ml.xmc.model import XmcModel


@pytest.fixture()
def folder(tmp_path, trained_model):
    dst = tmp_path / "copy"
    shutil.copytree(trained_model, dst)
    return dst


@pytest.mark.parametrize("missing", ["model.safetensors", "label_space.json", "xmc_config.json",
                                     "encoder/config.json", "tokenizer"])
def test_it_refuses_an_incomplete_folder_naming_the_missing_file(folder, missing):
    path = folder / missing
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    with pytest.raises(ModelFolderError, match=missing):
        XmcModel.load(folder, device="cpu")


def test_it_refuses_a_label_space_that_does_not_match(folder):
    d = json.loads((folder / "label_space.json").read_text())
    d["labels"][0] = ["Color", "pink"]
    (folder / "label_space.json").write_text(json.dumps(d))
    with pytest.raises(ModelFolderError, match="label_space.json does not match"):
        XmcModel.load(folder, device="cpu")


def test_it_refuses_weights_that_do_not_match(folder, tmp_path, trained_model):
    import torch
    from safetensors.torch import load_file, save_file
    w = load_file(folder / "model.safetensors")
    w["head_weight"] = torch.zeros(3, w["head_weight"].shape[1])
    save_file(w, folder / "model.safetensors")
    with pytest.raises(ModelFolderError, match="model.safetensors"):
        XmcModel.load(folder, device="cpu")


def test_it_refuses_a_missing_folder(tmp_path):
    with pytest.raises(ModelFolderError, match="does not exist"):
        XmcModel.load(tmp_path / "nope")


def test_the_folder_holds_no_pickles(trained_model):
    names = {p.name for p in trained_model.rglob("*")}
    assert not any(n.endswith((".bin", ".pt", ".pkl", ".pickle")) for n in names)
    meta = json.loads((trained_model / "xmc_config.json").read_text())
    assert {"config", "thresholds", "layers", "label_space", "head"} <= set(meta)
