"""Who wins the sigmoid-vs-ReLU race, and when: the page's race (src.race.race) over a grid of settings.

    python bench/race_outcomes.py [--seeds 2]

For each optimiser and each (training images, epochs) setting, ``--seeds`` races from different initial weights,
scored on the first 2,000 test images as the page scores them: the accuracy of each a fifth of the way in
("early") and at the end. The page's "which tends to win" text (ui/race.py TENDENCY) summarises this table.
Takes about a minute and a half on 2 cores; no time cap (the page's 30 s cap never applies here).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from src import race  # noqa: E402
from src.infra import mnist  # noqa: E402
from src.train import pixels  # noqa: E402

SETTINGS = ((1000, 1), (2000, 1), (5000, 2), (20000, 2), (60000, 1), (60000, 5))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    try:
        images, labels = mnist.load("train", allow_download=False)
        test_images, test_labels = mnist.load("test", allow_download=False)
    except mnist.MnistError as e:
        raise SystemExit(str(e))
    x_test, y_test = pixels(test_images[:2000]), test_labels[:2000]
    print("optimiser  images  epochs  seed  early at   sigmoid  ReLU    end: sigmoid  ReLU    leader")
    for optimizer in ("sgd", "adam"):
        for n, epochs in SETTINGS:
            for seed in range(args.seeds):
                r = race.race(images, labels, x_test, y_test, n_images=n, epochs=epochs, optimizer=optimizer,
                              seed=seed, max_seconds=float("inf"))
                a, k = r.accuracy, max(1, round((len(r.steps) - 1) / 5))
                leader = "ReLU" if a["relu"][-1] > a["sigmoid"][-1] else "sigmoid"
                print(f"{optimizer:9}  {n:6}  {epochs:6}  {seed:4}  {r.images_seen[k]:8}   {a['sigmoid'][k]:6.1%}  "
                      f"{a['relu'][k]:6.1%}       {a['sigmoid'][-1]:6.1%}  {a['relu'][-1]:6.1%}  {leader}", flush=True)


if __name__ == "__main__":
    main()
