import json

import pytest

from ml.xmc.cli import main

from .conftest import make_products


@pytest.fixture()
def bench_dir(tmp_path, taxonomy):
    d = tmp_path / "bench"
    d.mkdir()
    (d / "taxonomy.json").write_text(json.dumps(taxonomy))
    for name, n, seed in (("train", 40, 0), ("test", 12, 9)):
        rows = make_products(n, seed=seed, prefix=name)
        (d / f"{name}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return d


TINY = ["--max-length", "32", "--layers", "2", "--epochs", "1", "--batch-size", "8", "--device", "cpu",
        "--no-bf16", "--validation-fraction", "0.25"]


def test_train_predict_evaluate(tmp_path, bench_dir, tiny_encoder, capsys):
    model = tmp_path / "model"
    assert main(["train", "--taxonomy", str(bench_dir / "taxonomy.json"), "--train", str(bench_dir / "train.jsonl"),
                 "--encoder", tiny_encoder, "--out", str(model), *TINY]) == 0
    out = tmp_path / "pred.jsonl"
    assert main(["predict", "--model", str(model), "--input", str(bench_dir / "test.jsonl"), "--out", str(out),
                 "--device", "cpu"]) == 0
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 12 and {"id", "scores", "predicted"} <= set(rows[0])
    capsys.readouterr()
    assert main(["evaluate", "--model", str(model), "--bench", str(bench_dir), "--device", "cpu", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {"micro_f1", "macro_f1", "p@1", "p@3", "p@5", "groups"} <= set(res)


def test_bench_writes_the_table_into_its_own_doc_section(tmp_path, bench_dir, tiny_encoder):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## someone else's section\n\nkeep me\n")
    args = ["bench", "--bench", str(bench_dir), "--encoder", tiny_encoder, "--out", str(tmp_path / "b"),
            "--models", "masked,unmasked,per-leaf", "--doc", str(doc), *TINY]
    assert main(args) == 0
    first = (tmp_path / "b" / "results.json").read_text()
    # a second run replaces the section instead of appending
    assert main([*args[:args.index("--models") + 1], "masked", *args[args.index("--models") + 2:]]) == 0
    text = doc.read_text()
    assert "keep me" in text and text.count("<!-- ml/xmc:bench:bench -->") == 1
    assert "BERT w/ label masking" in text
    assert json.loads(first).keys() == {"masked", "unmasked", "per-leaf"}
    assert "BERT w/o label masking" not in text


def test_bad_inputs_exit_with_a_message(tmp_path, bench_dir, tiny_encoder, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "category": ["Toys"], "title": "t", "labels": []}) + "\n")
    assert main(["train", "--taxonomy", str(bench_dir / "taxonomy.json"), "--train", str(bad),
                 "--encoder", tiny_encoder, "--out", str(tmp_path / "m"), *TINY]) == 2
    assert "Toys" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(tmp_path / "nope"), "--bench", str(bench_dir)]) == 2


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for opt in ("--epochs", "--batch-size", "--max-length", "--lr", "--seed", "--device", "--no-label-masking",
                "--classifier-per", "--threads"):
        assert opt in text


@pytest.mark.parametrize("flags, expected", [
    ([], {"single_value_attributes": False, "label_masking": True, "prior_bias": True}),
    (["--single-value-attributes", "--no-label-masking", "--no-prior-bias"],
     {"single_value_attributes": True, "label_masking": False, "prior_bias": False}),
])
def test_train_flags_become_config_fields(flags, expected):
    from ml.xmc.cli import build_parser, config_from_args
    a = build_parser().parse_args(["train", "--taxonomy", "t", "--train", "x", "--out", "o", *flags])
    config = config_from_args(a)
    assert {k: getattr(config, k) for k in expected} == expected


def test_bench_refuses_an_unknown_model_name_before_training(tmp_path, bench_dir, tiny_encoder, capsys):
    assert main(["bench", "--bench", str(bench_dir), "--encoder", tiny_encoder, "--out", str(tmp_path / "b"),
                 "--models", "masked,per-brand", *TINY]) == 2
    assert "unknown model(s) ['per-brand']" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
