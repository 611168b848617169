import torch

from ml.xmc.labels import LabelSpace
from ml.xmc.matching import ValueMatcher
from ml.xmc.model import XmcModel


def _names(space, idx):
    return {space.labels[i] for i in idx}


def test_it_matches_value_names_aliases_and_japanese(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    m = ValueMatcher(space)
    assert _names(space, m.match("RED Leather boots, size 26.0")) == {
        ("Color", "red"), ("Material", "leather"), ("Shoe size (cm)", "26.0")}
    assert _names(space, m.match("赤のスニーカー")) == {("Color", "red")}  # alias, CJK substring
    assert len(m.match("reddish boots 26")) == 0  # whole words only


def test_the_match_bonus_is_learned_and_saved(trained_model):
    model = XmcModel.load(trained_model, device="cpu")
    assert model.network.match_weight is not None
    assert model.network.row_attribute.shape == (model.network.num_outputs,)
    # the global bonus starts at the matched pairs' log-odds shift, which is positive here
    assert float(model.network.match_weight[-1].detach()) > 0
    assert torch.isfinite(model.network.match_weight).all()


def test_japanese_names_are_found_wherever_they_occur_as_a_plain_substring_search_finds_them():
    # The trie must find exactly what `name in text` finds: names of one character, names that
    # share a start, a name inside another, a name at the text's end.
    import random

    import numpy as np

    from ml.xmc.matching import _CjkNames

    names = ["赤", "赤色", "赤レンガ", "レンガ", "ガ", "綿", "綿100%", "ステンレス", "ステン", "革", "本革", "黒"]
    index = _CjkNames({name: np.array([i]) for i, name in enumerate(names)})
    alphabet = "赤色レンガ綿100%ステス革本黒白 a"
    rng = random.Random(0)
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        found = {int(labels[0]) for labels in index.found_in(text)}
        assert found == {i for i, name in enumerate(names) if name in text}, text
