#!/usr/bin/env python3
"""Seconds per training epoch of MedMNIST v2's ResNet-18 (28) in PyTorch on the CPU, for the
`med train` timing comparison in README.md.

The network is MedMNIST's own 28-pixel ResNet-18 (experiments/MedMNIST2D/models.py: a 3×3
stride-1 stem without max pooling, BasicBlock ×[2, 2, 2, 2], global average pooling, one linear
layer), trained as MedMNIST trains it (batch 128, Adam 1e-3, cross-entropy, images (x − 0.5)/0.5).
`--model compact` times Reticle's default `med train` network instead (3×3 convolutions of
32/64/128 channels, BatchNorm, ReLU, 2×2 max pooling between stages, global average pooling),
so both frameworks can be compared on the same network.

    ~/anchors/bin/python scripts/bench/medmnist_torch_epoch.py /work/data/medmnist/pneumoniamnist.npz --threads 2 --epochs 2
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18_28(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers = []
        for planes, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            for s in [stride, 1]:
                layers.append(BasicBlock(self.in_planes, planes, s))
                self.in_planes = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(512, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layers(out)
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


def compact(in_channels, num_classes, widths=(32, 64, 128)):
    layers, c = [], in_channels
    for i, w in enumerate(widths):
        layers += [nn.Conv2d(c, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
        if i < len(widths) - 1:
            layers.append(nn.MaxPool2d(2))
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes)]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("npz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--model", choices=["resnet18", "compact"], default="resnet18")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    d = np.load(a.npz)
    x = torch.from_numpy(d["train_images"]).float().div(255).sub(0.5).div(0.5)
    x = x.unsqueeze(1) if x.dim() == 3 else x.permute(0, 3, 1, 2)
    y = torch.from_numpy(d["train_labels"].reshape(-1)).long()
    classes = int(y.max()) + 1
    model = ResNet18_28(x.shape[1], classes) if a.model == "resnet18" else compact(x.shape[1], classes)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for epoch in range(a.epochs):
        perm = torch.randperm(len(x))
        start = time.perf_counter()
        model.train()
        for i in range(0, len(x), a.batch_size):
            idx = perm[i:i + a.batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: {times[-1]:.2f} s ({len(x)} images, batch {a.batch_size}, {a.threads} threads, {a.model})", flush=True)
    print(f"best epoch {min(times):.2f} s, torch {torch.__version__}")


if __name__ == "__main__":
    main()
