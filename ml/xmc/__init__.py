"""Label-masked BERT extreme multi-label classifier (plain PyTorch + transformers, no Django).

Modules:
    config   TrainConfig, every hyper-parameter with a comment
    labels   LabelSpace: (attribute, value) labels, categories and their relevance (masking)
    data     products -> tokenised, padded batches with targets and masks
    network  the torch module: encoder, [CLS] of the last l layers, head, masked BCE
    train    train(): the training loop, thresholds, artifacts
    model    XmcModel: load an artifact folder and predict
    metrics  the paper's metrics (micro/macro P/R/F1, P@k, frequency groups)
    scratch  a randomly initialised BERT + WordPiece vocabulary built from text
    cli      ``python -m ml.xmc train|predict|evaluate|bench``
"""
