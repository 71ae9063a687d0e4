"""Train the spam demo's model with PyTorch on features exported by bench/torch.ts, as the baseline.

The model, data, batch size, epochs and optimizer match the spam recipe (src/training/recipes/spam.ts).
The model is Linear(vocabulary, 64) + ReLU + Linear(64, 1) + Sigmoid with Glorot-uniform weights and zero
biases, trained on binary cross-entropy by Adam (learning rate 0.001, epsilon 1e-7 as in tfjs) with batch 32
for 3 epochs.
Prints one JSON object: the median ms per step, steps, held-out accuracy, thread count and the torch version.
The median ignores the slow steps that other processes on a shared machine cause.
"""

import argparse
import json
import pathlib
import sys
import time

import numpy as np
import torch


def load_split(folder: pathlib.Path, name: str, rows: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    features = np.fromfile(folder / f"{name}-x.f32", dtype="<f4")
    labels = np.fromfile(folder / f"{name}-y.f32", dtype="<f4")
    if features.size != rows * width or labels.size != rows:
        raise SystemExit(
            f"{folder}: {name} files hold {features.size} features and {labels.size} labels, "
            f"expected {rows} x {width} and {rows}; run the benchmark again to re-export them"
        )
    return torch.from_numpy(features.reshape(rows, width)), torch.from_numpy(labels.reshape(rows, 1))


def build_model(width: int, hidden_units: int) -> torch.nn.Module:
    model = torch.nn.Sequential(
        torch.nn.Linear(width, hidden_units),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden_units, 1),
        torch.nn.Sigmoid(),
    )
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features", type=pathlib.Path, help="folder with meta.json and the exported .f32 files")
    parser.add_argument("--threads", type=int, required=True, help="intra-op threads for torch.set_num_threads")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--hidden-units", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    meta = json.loads((args.features / "meta.json").read_text())
    width = meta["width"]
    train_x, train_y = load_split(args.features, "train", meta["trainCount"], width)
    eval_x, eval_y = load_split(args.features, "eval", meta["evalCount"], width)

    model = build_model(width, args.hidden_units)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate, eps=1e-7)
    loss_function = torch.nn.BCELoss()

    durations = []
    for _ in range(args.epochs):
        order = torch.randperm(train_x.shape[0])
        for start in range(0, train_x.shape[0], args.batch_size):
            started = time.perf_counter()
            batch = order[start : start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(train_x.index_select(0, batch)), train_y.index_select(0, batch))
            loss.backward()
            optimizer.step()
            durations.append(time.perf_counter() - started)

    with torch.no_grad():
        accuracy = ((model(eval_x) > 0.5).float() == eval_y).float().mean().item()
    json.dump(
        {
            "msPerStep": float(np.median(durations)) * 1000,
            "steps": len(durations),
            "accuracy": accuracy,
            "threads": torch.get_num_threads(),
            "torchVersion": torch.__version__,
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
