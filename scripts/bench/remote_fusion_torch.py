#!/usr/bin/env python3
"""PyTorch reference of Reticle's two-branch HSI/LiDAR patch CNN (remote.two-branch-cnn), for timing.

Same layers as Sources/Remote/Fusion/FusionArchitecture.swift: per branch conv3x3 (no bias) -> BN -> ReLU
-> conv3x3 -> BN -> ReLU -> maxpool 2 -> conv3x3 (2w) -> BN -> ReLU -> global average pool; the LiDAR
branch is half as wide; concat -> Linear(4w) -> ReLU -> Dropout(0.2) -> Linear(classes). AdamW, batch 64,
random flips / right-angle turns per batch. It reads the ENVI cube and ENVI label raster that
`reticle remote synth` writes, z-scores each band, and times one training epoch on --train-pixels
labelled pixels and a whole-scene classification (every pixel, batches of 256).

The LiDAR input is --lidar-bands channels of zeros unless --lidar-raster (ENVI BSQ float32 on the
cube's grid) is given: values do not change the time of a dense convolution.

  ~/anchors/bin/python scripts/bench/remote_fusion_torch.py --cube scene/cube.hdr --labels scene/labels.hdr \
      --train-pixels 6600 --patch 11 --width 32 --epochs 2 --threads 2
"""
import argparse
import re
import time

import numpy as np
import torch
import torch.nn as nn

DTYPES = {1: np.uint8, 2: np.int16, 3: np.int32, 4: np.float32, 5: np.float64, 12: np.uint16}


def read_envi(hdr):
    text = open(hdr).read()
    def field(name, default=None):
        m = re.search(r"^\s*" + name + r"\s*=\s*(\S+)", text, re.M | re.I)
        return m.group(1) if m else default
    samples, lines, bands = int(field("samples")), int(field("lines")), int(field("bands"))
    dtype = np.dtype(DTYPES[int(field("data type"))])
    if field("byte order", "0") == "1":
        dtype = dtype.newbyteorder(">")
    offset = int(field("header offset", "0"))
    interleave = field("interleave", "bsq").lower()
    data = hdr[:-4] + ".img"
    raw = np.fromfile(data, dtype=dtype, offset=offset).astype(np.float32)
    if interleave == "bsq":
        return raw.reshape(bands, lines, samples)
    if interleave == "bil":
        return raw.reshape(lines, bands, samples).transpose(1, 0, 2).copy()
    return raw.reshape(lines, samples, bands).transpose(2, 0, 1).copy()


def branch(cin, w):
    return nn.Sequential(
        nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
        nn.Conv2d(w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


class TwoBranch(nn.Module):
    def __init__(self, hsi_bands, lidar_bands, width, classes):
        super().__init__()
        self.hsi = branch(hsi_bands, width)
        self.lidar = branch(lidar_bands, max(1, width // 2))
        features = 2 * width + 2 * max(1, width // 2)
        self.classifier = nn.Sequential(nn.Linear(features, 4 * width), nn.ReLU(), nn.Dropout(0.2))
        self.head = nn.Linear(4 * width, classes)

    def forward(self, h, l):
        return self.head(self.classifier(torch.cat([self.hsi(h), self.lidar(l)], 1)))


def patches(padded, pixels, samples, p):
    # padded: [C, H + p - 1, W + p - 1]; the patch of pixel (l, s) starts at (l, s).
    out = np.empty((len(pixels), padded.shape[0], p, p), np.float32)
    for i, px in enumerate(pixels):
        l, s = divmod(int(px), samples)
        out[i] = padded[:, l:l + p, s:s + p]
    return torch.from_numpy(out)


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--cube", required=True)
    a.add_argument("--labels", required=True)
    a.add_argument("--lidar-raster")
    a.add_argument("--lidar-bands", type=int, default=4)
    a.add_argument("--train-pixels", type=int, default=6600)
    a.add_argument("--patch", type=int, default=11)
    a.add_argument("--width", type=int, default=32)
    a.add_argument("--epochs", type=int, default=2)
    a.add_argument("--batch-size", type=int, default=64)
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--classify-batch", type=int, default=256)
    a.add_argument("--seed", type=int, default=1)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    cube = read_envi(args.cube)
    bands, lines, samples = cube.shape
    cube = (cube - cube.mean(axis=(1, 2), keepdims=True)) / (cube.std(axis=(1, 2), keepdims=True) + 1e-6)
    lidar = read_envi(args.lidar_raster) if args.lidar_raster else np.zeros((args.lidar_bands, lines, samples), np.float32)
    labels = read_envi(args.labels)[0].astype(np.int64).reshape(-1)
    classes = int(labels.max())
    r = args.patch // 2
    pad = lambda x: np.pad(x, ((0, 0), (r, r), (r, r)))
    hsi_p, lidar_p = pad(cube), pad(lidar)
    labelled = np.flatnonzero(labels > 0)
    train = rng.choice(labelled, size=min(args.train_pixels, len(labelled)), replace=False)

    model = TwoBranch(bands, lidar.shape[0], args.width, classes)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0)
    loss_fn = nn.CrossEntropyLoss()
    print(f"scene {samples} x {lines} x {bands}, lidar {lidar.shape[0]} layers, {classes} classes, "
          f"{len(train)} training pixels, patch {args.patch}, width {args.width}, threads {args.threads}")
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        order = rng.permutation(train)
        for b in range(0, len(order), args.batch_size):
            idx = order[b:b + args.batch_size]
            h, l = patches(hsi_p, idx, samples, args.patch), patches(lidar_p, idx, samples, args.patch)
            if rng.random() < 0.5:
                h, l = h.flip(3), l.flip(3)
            k = int(rng.integers(4))
            h, l = torch.rot90(h, k, (2, 3)), torch.rot90(l, k, (2, 3))
            y = torch.from_numpy(labels[idx] - 1)
            opt.zero_grad()
            loss = loss_fn(model(h, l), y)
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: {time.perf_counter() - start:.2f} s, loss {loss.item():.3f}")

    model.eval()
    start = time.perf_counter()
    pixels = np.arange(lines * samples)
    predicted = np.empty(len(pixels), np.int64)
    with torch.no_grad():
        for b in range(0, len(pixels), args.classify_batch):
            idx = pixels[b:b + args.classify_batch]
            predicted[b:b + len(idx)] = model(patches(hsi_p, idx, samples, args.patch),
                                             patches(lidar_p, idx, samples, args.patch)).argmax(1).numpy()
    print(f"whole scene ({len(pixels)} pixels): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
