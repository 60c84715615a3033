"""Plot hits per layer versus η from the CSV of ``tracker_sim.py --hist-csv``.

Usage::

    python bench/plot_hits_eta.py hits_per_layer_vs_eta.csv docs/images/hits_per_layer_vs_eta.png
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mplhep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv")
    parser.add_argument("png")
    parser.add_argument("--title", default="t tbar + 200 pileup, CMS-like tracker, 3.8 T")
    args = parser.parse_args()
    layers: dict[tuple, list[tuple[float, float, float]]] = defaultdict(list)
    with open(args.csv, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["volume_name"], row["kind"], int(row["volume_id"]), int(row["layer_id"]))
            layers[key].append(
                (float(row["eta_lo"]), float(row["eta_hi"]), float(row["hits_per_event"]))
            )
    plt.style.use(mplhep.style.CMS)
    groups = defaultdict(list)
    for key in sorted(layers):
        groups[key[0]].append(key)
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 3.2 * len(groups)), sharex=True)
    axes = [axes] if len(groups) == 1 else list(axes)
    for ax, (name, keys) in zip(axes, groups.items(), strict=True):
        for key in keys:
            bins = sorted(layers[key])
            edges = [b[0] for b in bins] + [bins[-1][1]]
            mplhep.histplot([b[2] for b in bins], edges, ax=ax, label=f"layer {key[3]}")
        ax.set_ylabel("hits / event / bin")
        ax.set_title(f"{name} ({keys[0][1]})", fontsize=14)
        ax.legend(fontsize=9, ncol=4)
    axes[-1].set_xlabel(r"particle $\eta$")
    fig.suptitle(args.title, fontsize=15)
    fig.tight_layout()
    fig.savefig(args.png, dpi=80)
    print(f"written {args.png}")


if __name__ == "__main__":
    main()
