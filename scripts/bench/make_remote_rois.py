#!/usr/bin/env python3
"""Writes Houston-2013-like train/test ENVI ROI ASCII exports from a generated scene's labels.

The scene is cut into 32 x 32 blocks; a seeded draw sends about 3 % of the blocks to training and
12 % to testing, so no block holds pixels of both (spatially disjoint). Training keeps every 8th
pixel of its blocks, testing every 4th, giving sample counts of the order of the real benchmark's
(2,832 train / 12,197 test). Points are written in ENVI's layout with 1-based pixel X/Y columns.

  python3 scripts/bench/make_remote_rois.py /work/data/remote/houston-size
"""
import sys
import numpy as np

folder = sys.argv[1]
hdr = open(f"{folder}/labels.hdr").read()
field = lambda k: int([l for l in hdr.splitlines() if l.strip().lower().startswith(k)][0].split("=")[1])
samples, lines = field("samples"), field("lines")
labels = np.fromfile(f"{folder}/labels.img", dtype=np.uint8).reshape(lines, samples)
names = ["grass", "trees", "road", "roof"]
rng = np.random.default_rng(14)
block = 32
draw = rng.random(((lines + block - 1) // block, (samples + block - 1) // block))
sets = {"train": (draw < 0.03, 8), "test": ((draw >= 0.03) & (draw < 0.15), 4)}
for name, (chosen, step) in sets.items():
    by_class = {k: [] for k in range(1, 5)}
    n = 0
    for l in range(lines):
        for s in range(samples):
            if chosen[l // block, s // block] and labels[l, s] > 0:
                n += 1
                if n % step == 0:
                    by_class[int(labels[l, s])].append((s + 1, l + 1))
    with open(f"{folder}/{name}_roi.txt", "w") as f:
        f.write("; ENVI Output of ROIs (4.8) [Thu Mar 07 14:53:04 2013]\n; Number of ROIs: 4\n")
        f.write(f"; File Dimension: {samples} x {lines}\n;\n")
        for k in range(1, 5):
            f.write(f"; ROI name: {names[k - 1]}\n; ROI rgb value: {{0, 0, 0}}\n; ROI npts: {len(by_class[k])}\n")
        f.write(";   ID     X     Y\n")
        i = 0
        for k in range(1, 5):
            if k > 1:
                f.write("\n")
            for x, y in by_class[k]:
                i += 1
                f.write(f"{i:6d} {x:5d} {y:5d}\n")
    print(name, {names[k - 1]: len(v) for k, v in by_class.items()})
