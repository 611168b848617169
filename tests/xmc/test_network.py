import torch
from transformers import AutoModel

from ml.xmc.network import XmcNetwork


def _network(tiny_encoder, outputs=6, sparse=False):
    torch.manual_seed(0)
    net = XmcNetwork(AutoModel.from_pretrained(tiny_encoder), outputs, layers=2, dropout=0.0, sparse_head=sparse)
    return net.eval()


def _batch():
    ids = torch.tensor([[2, 10, 11, 3, 0], [2, 12, 13, 14, 3]])
    return ids, (ids != 0).long()


def test_an_irrelevant_labels_logit_gets_no_gradient(tiny_encoder):
    net = _network(tiny_encoder)
    ids, att = _batch()
    mask = torch.tensor([[True, True, False, False, True, False], [False, True, True, True, False, False]])
    targets = torch.zeros(2, 6)
    targets[0, 0] = 1
    logits, loss = net(ids, att, mask=mask, targets=targets)
    logits.retain_grad()
    loss.backward()
    assert torch.all(logits.grad[~mask] == 0)
    assert torch.all(logits.grad[mask] != 0)
    # a head row relevant to no product of the batch is not moved at all
    assert torch.all(net.head_weight.grad[5] == 0) and net.head_bias.grad[5] == 0


def test_without_a_mask_every_logit_gets_a_gradient(tiny_encoder):
    net = _network(tiny_encoder)
    ids, att = _batch()
    logits, loss = net(ids, att, targets=torch.zeros(2, 6))
    logits.retain_grad()
    loss.backward()
    assert torch.all(logits.grad != 0)


def test_the_gathered_path_equals_the_dense_path(tiny_encoder):
    net = _network(tiny_encoder, sparse=True)
    ids, att = _batch()
    mask = torch.tensor([[True, False, True, False, False, False], [False, False, True, True, False, False]])
    targets = torch.zeros(2, 6)
    targets[1, 3] = 1
    dense_logits, dense_loss = net(ids, att, mask=mask, targets=targets)
    cols = torch.tensor([0, 2, 3])
    logits, loss = net(ids, att, columns=cols, mask=mask[:, cols], targets=targets[:, cols])
    assert torch.allclose(logits, dense_logits[:, cols], atol=1e-5)
    assert torch.allclose(loss, dense_loss, atol=1e-5)
    loss.backward()
    assert net.head_weight.grad.is_sparse  # only the gathered rows are touched


def test_the_loss_is_summed_over_labels_and_averaged_over_products(tiny_encoder):
    net = _network(tiny_encoder)
    ids, att = _batch()
    mask = torch.zeros(2, 6, dtype=torch.bool)
    mask[:, 0] = True
    logits, loss = net(ids, att, mask=mask, targets=torch.zeros(2, 6))
    expected = torch.nn.functional.softplus(logits[:, 0]).sum() / 2
    assert torch.allclose(loss, expected, atol=1e-5)
