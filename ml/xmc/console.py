"""What the commands (cli, bench) show and write as they run: a tqdm bar over train()'s
progress, and predictions streamed to a JSON-lines file under a bar."""
from __future__ import annotations

import json
import os
import sys


class TqdmProgress:
    """A train() progress callback that draws a tqdm bar over optimiser steps."""

    def __init__(self, desc="train"):
        self.bar, self.desc = None, desc

    def __call__(self, e):
        from tqdm import tqdm
        if e.stage == "train":
            if self.bar is None:
                self.bar = tqdm(total=e.total_steps, desc=self.desc, unit="step", dynamic_ncols=True)
            self.bar.n = e.step
            self.bar.set_postfix(epoch=f"{e.epoch}/{e.total_epochs}", loss=f"{e.loss:.3f}",
                                 seq_s=f"{e.throughput:.0f}", refresh=False)
            self.bar.refresh()
        else:
            if e.message:
                (self.bar.write if self.bar else print)(f"[{e.stage}] {e.message}", file=sys.stderr)
            if e.stage == "done" and self.bar is not None:
                self.bar.close()


def predict_to_file(model, products, out_path, batch_size, top_k, on_unknown="error", desc="predict"):
    """Write ``model``'s predictions of ``products`` to ``out_path`` (nowhere when it is None),
    one JSON line each, and return them."""
    from tqdm import tqdm
    rows = []
    with open(out_path, "w", encoding="utf-8") if out_path else open(os.devnull, "w") as f:
        for row in tqdm(model.predict(products, batch_size=batch_size, top_k=top_k, on_unknown=on_unknown),
                        total=len(products), desc=desc, unit="product", dynamic_ncols=True):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows.append(row)
    return rows
