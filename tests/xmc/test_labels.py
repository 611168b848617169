import numpy as np
import pytest
import torch

from ml.xmc.errors import DataError, TaxonomyError, UnknownCategoryError
from ml.xmc.labels import LabelSpace


def test_it_inherits_relevance_from_ancestors_and_expands_star(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    sneakers = space.category_index(["Shoes", "Sneakers"])
    rel = {space.labels[i] for i in space.relevant(sneakers)}
    assert rel == {("Color", "red"), ("Color", "blue"), ("Color", "black"),
                   ("Shoe size (cm)", "25.0"), ("Shoe size (cm)", "26.0")}
    assert ("Shoes",) in space.categories  # a prefix is a category of its own
    assert space.labels == sorted(space.labels)


def test_it_compares_names_after_nfkc(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    assert space.label_index(["Ｃｏｌｏｒ", " red "]) == space.label_index(["Color", "red"])


def test_it_falls_back_to_the_deepest_known_ancestor(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    assert space.category_index(["Shoes", "Sneakers", "Kids"]) == space.category_index(["Shoes", "Sneakers"])
    with pytest.raises(UnknownCategoryError, match="Toys"):
        space.category_index(["Toys"])
    with pytest.raises(UnknownCategoryError):
        space.category_index(["Shoes", "Sandals"], exact=True)


def test_it_refuses_an_empty_label_space():
    with pytest.raises(TaxonomyError, match="empty label space"):
        LabelSpace.from_taxonomy({"attributes": [{"name": "Color", "values": []}],
                                  "categories": [{"path": ["Shoes"], "attributes": {}}]})


def test_it_refuses_unknown_attributes_and_values(taxonomy):
    bad = {"attributes": taxonomy["attributes"], "categories": [{"path": ["X"], "attributes": {"Weight": "*"}}]}
    with pytest.raises(TaxonomyError, match="unknown attribute 'Weight'"):
        LabelSpace.from_taxonomy(bad)
    bad = {"attributes": taxonomy["attributes"], "categories": [{"path": ["X"], "attributes": {"Color": ["pink"]}}]}
    with pytest.raises(TaxonomyError, match="no value 'pink'"):
        LabelSpace.from_taxonomy(bad)


def test_it_refuses_unknown_and_irrelevant_product_labels(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    boots = space.category_index(["Shoes", "Boots"])
    with pytest.raises(DataError, match="unknown label"):
        space.encode_labels({"id": "a", "labels": [["Color", "pink"]]}, boots)
    with pytest.raises(DataError, match="not relevant"):
        space.encode_labels({"id": "a", "labels": [["Sleeve", "long"]]}, boots)


def test_gathered_columns_and_mask_agree_with_the_dense_mask(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    cats = torch.tensor([space.category_index(["Shoes", "Boots"]), space.category_index(["Clothes", "Shirts"]),
                         space.category_index(["Shoes", "Boots"])])
    cols, mask = space.gathered(cats)
    dense = space.dense_mask()[cats]
    assert torch.equal(dense[:, cols], mask)
    assert not dense[:, np.setdiff1d(np.arange(len(space)), cols.numpy())].any()


def test_it_round_trips_through_a_dict(taxonomy):
    space = LabelSpace.from_taxonomy(taxonomy)
    again = LabelSpace.from_dict(space.to_dict())
    assert again.fingerprint() == space.fingerprint()
    assert torch.equal(again.dense_mask(), space.dense_mask())
