"""Reproduces rankflow MLP predictions with h5py + NumPy only (run with /usr/bin/python3).

usage: predict_with_numpy.py MODEL.h5 SURFACE.h5 DATA.h5 TEST_FRACTION

Checks, exiting non-zero on any mismatch:
  1. the softmax probabilities NumPy computes on the surface grid equal the ones rankflow wrote
     (max abs difference < 1e-4) and the arg-max labels agree on >= 99.9 % of cells;
  2. NumPy's accuracy on the held-out rows (the last TEST_FRACTION of DATA.h5) equals the model's
     test_accuracy attribute (within 1e-4).
Prints one line: "ok max_prob_diff=… label_agreement=… accuracy=…".
"""
import sys

import h5py
import numpy as np


def forward(f, x):
    layers = int(f.attrs["layers"])
    act = f.attrs["activation"]
    a = x.astype(np.float32)
    for l in range(layers):
        w = f["layer_%d/weights" % l][...]
        b = f["layer_%d/bias" % l][...]
        z = a @ w + b
        if l + 1 < layers:
            if act == "relu":
                a = np.maximum(z, 0)
            elif act == "tanh":
                a = np.tanh(z)
            else:
                a = 1 / (1 + np.exp(-z))
        else:
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            a = e / e.sum(axis=1, keepdims=True)
    return a


def main():
    model_path, surface_path, data_path, fraction = sys.argv[1:5]
    with h5py.File(model_path, "r") as f, h5py.File(surface_path, "r") as s:
        assert f.attrs["format"] == "rankflow-mlp-1", f.attrs["format"]
        xs, ys = s["x"][...], s["y"][...]
        gx, gy = np.meshgrid(xs, ys)  # [i, j] -> (x[j], y[i])
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
        probs = forward(f, grid).reshape(len(ys), len(xs), -1)
        diff = float(np.abs(probs - s["probs"][...]).max())
        agree = float((probs.argmax(axis=2) == s["labels"][...]).mean())
        with h5py.File(data_path, "r") as d:
            n = d["y"].shape[0]
            test = int(np.floor(n * float(fraction)))
            x = d["x"][n - test:]
            y = d["y"][n - test:]
        acc = float((forward(f, x).argmax(axis=1) == y).mean())
        want = float(f.attrs["test_accuracy"])
    print("ok" if diff < 1e-4 and agree >= 0.999 and abs(acc - want) < 1e-4 else "mismatch",
          "max_prob_diff=%.3g label_agreement=%.5f accuracy=%.6f expected=%.6f" %
          (diff, agree, acc, want))
    return 0 if diff < 1e-4 and agree >= 0.999 and abs(acc - want) < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
