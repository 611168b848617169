"""Label-masked BERT extreme multi-label classifier (plain PyTorch + transformers, no Django).

Modules (each imports only those above it in this list; tests/xmc/test_import_graph.py checks
there is no cycle):
    errors      XmcError and its kinds (all ValueErrors)
    config      TrainConfig, every hyper-parameter with a comment
    labels      LabelSpace: (attribute, value) labels, categories and their relevance (masking)
    matching    ValueMatcher: the labels whose value name or alias occurs in a product's text
    data        products -> tokenised, padded batches with targets and masks
    layout      HeadLayout: which head rows a batch computes (shared head or per category group)
    network     the torch module: encoder, [CLS] of the last l layers, head, label-text head, masked BCE
    runtime     device, bf16 autocast, the tokenizer's special ids, dense or gathered head
    label_text  the label-text head's label embeddings: texts, centre, rows started from them
    calibration  Platt scaling of the scores, and the expected calibration error
    scoring     score_batches(): a network's probabilities for encoded products
    thresholds  Thresholds, the decision rule, and their tuning on a validation slice
    metrics     the paper's metrics (micro/macro P/R/F1, P@k, frequency groups)
    model       XmcModel: save and load an artifact folder, predict
    train       train() and its train_step(): the training loop, thresholds, artifacts
    scratch     a randomly initialised BERT + WordPiece vocabulary built from text
    console     the commands' progress bar and predictions files
    bench       the masked model and its baselines trained and scored on a benchmark folder
    cli         ``python -m ml.xmc train|predict|evaluate|bench``
"""
