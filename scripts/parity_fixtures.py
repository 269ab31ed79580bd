#!/usr/bin/env python3
"""Writes the PyTorch parity fixtures that Tests/SharedTests/Models/ParityTests.swift checks.

Run where PyTorch and torchvision are installed (CI has neither; commit the output):

    python3 scripts/parity_fixtures.py fixtures/parity

It writes, with fixed seeds and torchvision parameter names:
  resnet18_w0125.weights.safetensors / .io.safetensors   ResNet-18 at 1/8 width, 3 channels, 10 classes
  mobilenetv2_w025.weights.safetensors / .io.safetensors MobileNetV2 at width 0.25, 3 channels, 10 classes
  sgd3.initial.safetensors / .io.safetensors / .after.safetensors
      the Reticle compact CNN (widths 4, 8; 1 channel) before and after three SGD steps
      (lr 0.1, momentum 0.9, Nesterov, weight decay 1e-4, cross-entropy with label smoothing 0.1)
  ops.safetensors
      single ops on a fixed input x (and projection r): "<op>.out" = op(x) and "<op>.grad" = d(Σ r·op(x))/dx,
      plus AdamW after three steps and weighted, smoothed cross-entropy
Reticle matches logits to 1e-4 relative and the updated weights to 1e-5.
The files are small (about 1 MB in all) and need no safetensors package: the writer is below.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock


def save_safetensors(path, tensors):
    """Minimal safetensors writer: F32 little-endian, header padded to 8 bytes."""
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def state(model):
    """The state dict without num_batches_tracked (Reticle does not keep the counter)."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def randomize_batchnorm(model, gen):
    """Non-trivial running statistics and affine parameters, so folding and eval mode are really tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def resnet18_reduced(width=8, classes=10):
    """torchvision's ResNet-18 module tree (same attribute names) with stage widths width·(1, 2, 4, 8)."""
    model = torchvision.models.resnet.ResNet(BasicBlock, [2, 2, 2, 2], num_classes=classes)
    model.inplanes = width
    model.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = nn.BatchNorm2d(width)
    model.layer1 = model._make_layer(BasicBlock, width, 2)
    model.layer2 = model._make_layer(BasicBlock, width * 2, 2, stride=2)
    model.layer3 = model._make_layer(BasicBlock, width * 4, 2, stride=2)
    model.layer4 = model._make_layer(BasicBlock, width * 8, 2, stride=2)
    model.fc = nn.Linear(width * 8, classes)
    return model


def export_inference(out, name, model, size, gen):
    randomize_batchnorm(model, gen)
    model.eval()
    x = torch.randn(2, 3, size, size, generator=gen)
    with torch.no_grad():
        logits = model(x)
    save_safetensors(os.path.join(out, f"{name}.weights.safetensors"), state(model))
    save_safetensors(os.path.join(out, f"{name}.io.safetensors"), {"input": x, "logits": logits})


class CompactCNN(nn.Module):
    """Reticle's compact CNN with widths (4, 8): names features.0/1/4/5 and fc."""

    def __init__(self, classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        return self.fc(self.features(x))


def export_sgd(out, gen):
    model = CompactCNN()
    model.train()
    x = torch.randn(4, 1, 8, 8, generator=gen)
    y = torch.tensor([0, 2, 1, 2])
    save_safetensors(os.path.join(out, "sgd3.initial.safetensors"), state(model))
    save_safetensors(os.path.join(out, "sgd3.io.safetensors"), {"input": x, "labels": y.float()})
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y, label_smoothing=0.1).backward()
        opt.step()
    save_safetensors(os.path.join(out, "sgd3.after.safetensors"), state(model))


def export_ops(out, gen):
    """Ops whose PyTorch semantics Reticle copies: values and input gradients."""
    x = torch.randn(2, 4, 6, 7, generator=gen)
    tensors = {"x": x}
    gamma, beta = torch.rand(4, generator=gen) + 0.5, torch.randn(4, generator=gen)
    tensors["gamma"], tensors["beta"] = gamma, beta
    ops = {
        "gelu": lambda t: nn.functional.gelu(t),
        "silu": lambda t: nn.functional.silu(t),
        "leaky_relu": lambda t: nn.functional.leaky_relu(t, 0.1),
        "sigmoid": torch.sigmoid,
        "softmax": lambda t: torch.softmax(t, dim=-1),
        "max_pool": lambda t: nn.functional.max_pool2d(t, 3, 2, 1),
        "avg_pool": lambda t: nn.functional.avg_pool2d(t, 3, 2, 1),
        "adaptive_avg": lambda t: nn.functional.adaptive_avg_pool2d(t, (4, 3)),
        "adaptive_max": lambda t: nn.functional.adaptive_max_pool2d(t, (4, 3)),
        "nearest": lambda t: nn.functional.interpolate(t, size=(11, 9), mode="nearest"),
        "bilinear": lambda t: nn.functional.interpolate(t, size=(11, 9), mode="bilinear", align_corners=False),
        "group_norm": lambda t: nn.functional.group_norm(t, 2, gamma, beta),
        "layer_norm": lambda t: nn.functional.layer_norm(t, (6, 7)),
        "batch_norm_train": lambda t: nn.functional.batch_norm(t, torch.zeros(4), torch.ones(4), gamma, beta, training=True),
    }
    for name, f in ops.items():
        xi = x.clone().requires_grad_(True)
        y = f(xi)
        r = torch.randn(y.shape, generator=gen)
        (y * r).sum().backward()
        tensors[f"{name}.out"], tensors[f"{name}.r"], tensors[f"{name}.grad"] = y.detach(), r, xi.grad
    # Cross-entropy with class weights and label smoothing, and its gradient.
    logits = torch.randn(5, 3, generator=gen, requires_grad=True)
    target = torch.tensor([0, 2, 1, 2, 0])
    weight = torch.tensor([1.0, 2.0, 0.5])
    loss = nn.functional.cross_entropy(logits, target, weight=weight, label_smoothing=0.2)
    loss.backward()
    tensors.update({"ce.logits": logits.detach(), "ce.loss": loss.detach().reshape(1), "ce.grad": logits.grad})
    # AdamW: three steps with gradient g_t = t·c on one parameter.
    p = torch.randn(6, generator=gen)
    c = torch.randn(6, generator=gen)
    tensors["adamw.initial"], tensors["adamw.c"] = p.clone(), c
    param = nn.Parameter(p.clone())
    opt = torch.optim.AdamW([param], lr=0.05, weight_decay=0.1)
    for t in range(1, 4):
        opt.zero_grad()
        param.grad = c * t
        opt.step()
    tensors["adamw.after"] = param.detach()
    save_safetensors(os.path.join(out, "ops.safetensors"), tensors)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fixtures/parity"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    export_inference(out, "resnet18_w0125", resnet18_reduced(), 64, gen)
    export_inference(out, "mobilenetv2_w025", torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10), 64, gen)
    export_sgd(out, gen)
    export_ops(out, gen)
    print(f"wrote parity fixtures to {out}")


if __name__ == "__main__":
    main()
