"""Baselines for bench/mlp_bench.sh: the same MLP in scikit-learn and in PyTorch (CPU), one thread.

usage: /usr/bin/python3 mlp_baselines.py sklearn|torch DATA.h5 TEST_FRACTION HIDDEN EPOCHS BATCH LR

Reads DATA.h5 (rankflow layout: /x float32 [n, d], /y int64 [n]); the last TEST_FRACTION of the
rows are held out, as train_mlp does. One hidden ReLU layer of HIDDEN units, softmax output,
cross-entropy, Adam (lr LR, betas 0.9/0.999, eps 1e-8), no L2, mini-batches of BATCH shuffled each
epoch, EPOCHS epochs. Prints one line of JSON: seconds per epoch (fit time / epochs, excluding
data loading) and held-out accuracy.
"""
import json
import os
import sys
import time

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"

import h5py  # noqa: E402
import numpy as np  # noqa: E402


def load(path, fraction):
    with h5py.File(path, "r") as f:
        x = f["x"][...].astype(np.float32)
        y = f["y"][...].astype(np.int64)
    test = int(np.floor(len(y) * fraction))
    n = len(y) - test
    return x[:n], y[:n], x[n:], y[n:]


def run_sklearn(xtr, ytr, xte, yte, hidden, epochs, batch, lr):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", solver="adam",
                        alpha=0.0, batch_size=batch, learning_rate_init=lr, max_iter=epochs,
                        shuffle=True, random_state=1, tol=0.0, n_iter_no_change=10**9,
                        early_stopping=False)
    t0 = time.perf_counter()
    clf.fit(xtr, ytr)
    seconds = time.perf_counter() - t0
    return seconds / clf.n_iter_, float((clf.predict(xte) == yte).mean()), clf.n_iter_


def run_torch(xtr, ytr, xte, yte, hidden, epochs, batch, lr):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(xtr.shape[1], hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, int(ytr.max()) + 1))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.from_numpy(xtr)
    y = torch.from_numpy(ytr)
    n = len(ytr)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        pred = model(torch.from_numpy(xte)).argmax(dim=1).numpy()
    return seconds / epochs, float((pred == yte).mean()), epochs


def main():
    which, path, fraction, hidden, epochs, batch, lr = sys.argv[1:8]
    xtr, ytr, xte, yte = load(path, float(fraction))
    fn = run_sklearn if which == "sklearn" else run_torch
    spe, acc, done = fn(xtr, ytr, xte, yte, int(hidden), int(epochs), int(batch), float(lr))
    print(json.dumps({"impl": which, "seconds_per_epoch": spe, "test_accuracy": acc,
                      "epochs": done, "train_rows": len(ytr), "test_rows": len(yte)}))


if __name__ == "__main__":
    main()
