"""Would fine-tuning e5 on the KB's own questions separate answers from hand-offs better? (issue 18)

e5's transformer (kb_index/encoders/e5_onnx.py's ``torch_transformer``; the 4-bit word table stays
frozen) is trained with in-batch negatives on pairs of one article's questions, one pair per
article in a batch so no negative is a paraphrase. After each epoch the dataset's KB is rebuilt
with the tuned vectors and searched with the project's scoring, and the report gives:

ceiling  the share of answerable test questions answered right at <= 5 % wrong with the best
         thresholds **on the test labels** (``choose_thresholds``, hybrid or dense): a ceiling for
         comparing vectors, never a setting, as in bench/kb_signals.py
top1     the best article is the right one

Epoch 0 is the untuned model. Nothing here changes the index or the shipped encoder.

Usage: .venv/bin/python -m bench.kb_finetune --dataset hwu64 [--epochs 1] [--lr 1e-5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.kb_datasets import Dataset, banking77, hint3_powerplay11, hwu64
from kb_index.calibration import choose_thresholds
from kb_index.encoders.e5_onnx import E5File, E5OnnxEncoder, model_file, torch_transformer
from kb_index.evaluation import score_results
from kb_index.index import KBIndex, build_index
from kb_index.settings import load_kb_settings

DATASETS = {"hint3": hint3_powerplay11, "hwu64": hwu64, "banking77": banking77}
MAX_WRONG = 0.05
TEMPERATURE = 20.0  # the cosine scale of the contrastive loss, as sentence-transformers' MultipleNegativesRankingLoss


class TunedE5:
    """An encoder for build_index / KBIndex: e5's tokens and word table, the transformer being trained."""

    def __init__(self, variant: str, cache_dir: str, batch_size: int = 32):
        self._e5, self._batch_size = E5OnnxEncoder(variant, cache_dir), batch_size
        self.transformer = torch_transformer(E5File.open(model_file(variant)))
        self.name, self.dimension, self.near_duplicate = "e5-tuned", self._e5.dimension, self._e5.near_duplicate

    def vectors(self, texts: list[str], kind: str) -> Any:
        """Unit vectors of ``texts`` as a torch tensor (with gradients when the transformer trains)."""
        import torch

        embeddings, mask = self._e5.embedded([self._e5.first_window(text, kind) for text in texts])
        mask_tensor = torch.from_numpy(mask)
        hidden = self.transformer(inputs_embeds=torch.from_numpy(embeddings), attention_mask=mask_tensor).last_hidden_state
        pooled = (hidden * mask_tensor[..., None]).sum(1) / mask_tensor.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def encode(self, texts: list[str], *, kind: str) -> np.ndarray:
        import torch

        self.transformer.eval()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        with torch.no_grad():
            for start in range(0, len(order), self._batch_size):
                rows = order[start : start + self._batch_size]
                out[rows] = self.vectors([texts[i] for i in rows], kind).numpy()
        return out


def pair_batches(dataset: Dataset, batch_size: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """Each question with another of its article's, shuffled; a batch holds one pair per article."""
    pairs = []
    for article in dataset.articles:
        for question in article.questions:
            others = [q for q in article.questions if q != question] or [question]
            pairs.append((article.id, question, rng.choice(others)))
    rng.shuffle(pairs)
    batches = []
    while pairs:
        batch, seen, rest = [], set(), []
        for pair in pairs:
            if pair[0] in seen or len(batch) == batch_size:
                rest.append(pair)
            else:
                batch.append(pair[1:])
                seen.add(pair[0])
        batches.append(batch)
        pairs = rest
    return batches


def train_epoch(encoder: TunedE5, batches: list[list[tuple[str, str]]], optimiser: Any) -> float:
    import torch

    encoder.transformer.train()
    losses = []
    for batch in batches:
        anchors = encoder.vectors([a for a, _ in batch], "query")
        positives = encoder.vectors([p for _, p in batch], "query")
        logits = TEMPERATURE * anchors @ positives.T
        labels = torch.arange(len(batch))
        loss = (torch.nn.functional.cross_entropy(logits, labels) + torch.nn.functional.cross_entropy(logits.T, labels)) / 2
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def measure(dataset: Dataset, encoder: TunedE5, workdir: Path) -> dict[str, float]:
    settings = load_kb_settings()
    folder = workdir / f"index-{time.monotonic_ns()}"
    build_index(dataset.articles, encoder, settings.encoder, settings.scoring, folder)
    texts = [q.text for q in dataset.queries]
    results = KBIndex(folder, encoder).searcher.search_vectors(encoder.encode(texts, kind="query"), texts, 3)
    best = choose_thresholds(dataset.queries, results, MAX_WRONG, method="ceiling on test", judge_on=("hybrid", "dense"))
    report = score_results(dataset.queries, results, best.thresholds)
    return {"ceiling": round(best.expected_correct, 4), "wrong": round(report.wrong_answer_rate, 4),
            "top1": round(report.top1_accuracy, 4)}


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    dataset = DATASETS[args.dataset]()
    configured = load_kb_settings().encoder
    encoder = TunedE5(configured.get("variant", "original"), configured.get("cache_dir", "var/encoders"))
    optimiser = torch.optim.AdamW(encoder.transformer.parameters(), lr=args.lr, weight_decay=0.01)
    rng = random.Random(0)
    result: dict[str, Any] = {"dataset": dataset.name, "lr": args.lr, "batch_size": args.batch_size, "epochs": []}
    with tempfile.TemporaryDirectory() as scratch:
        result["epochs"].append({"epoch": 0, **measure(dataset, encoder, Path(scratch))})
        print(json.dumps(result["epochs"][-1]), flush=True)
        for epoch in range(1, args.epochs + 1):
            started = time.monotonic()
            loss = train_epoch(encoder, pair_batches(dataset, args.batch_size, rng), optimiser)
            row = {"epoch": epoch, "loss": round(loss, 3), "train_seconds": round(time.monotonic() - started, 1)}
            result["epochs"].append({**row, **measure(dataset, encoder, Path(scratch))})
            print(json.dumps(result["epochs"][-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
