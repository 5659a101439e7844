#!/usr/bin/python3
"""Trains the next-position LSTM and exports it to ONNX, deterministically from a seed.

    node bin/run-ts.mjs models/lstm/make-data.ts          # simulated samples -> models/lstm/data/
    /usr/bin/python3 models/lstm/train.py                 # -> next-position.onnx, model-card.json, parity-fixture.json
    node bin/run-ts.mjs models/lstm/evaluate.ts           # held-out + buffalo metrics into the card

Needs Debian's python3-torch (1.13), python3-onnx and python3-numpy (apt-get install -y python3-torch
python3-onnx python3-numpy); CI needs none of them, only the committed .onnx and fixture.

Model: one LSTM layer (hidden 32) over the last WINDOW steps, then a small head on [last hidden state,
last step's features] -> per horizon the displacement (km, heading frame) and its per-axis
log-variance, trained by maximum likelihood under a 2-D radial Laplace distribution (masked where
the truth is unknown; see radial_laplace_nll for why not a Gaussian).
Deterministic: seeded torch and numpy, deterministic algorithms, one thread, fixed data order.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class NextPosition(nn.Module):
    """LSTM -> (mean, log_var), each [batch, horizons, 2]."""

    def __init__(self, n_features, hidden, horizons, head=64, scale_km=(0.5, 2.0, 4.0)):
        super().__init__()
        self.horizons = horizons
        self.lstm = nn.LSTM(n_features, hidden, num_layers=1, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden + n_features, head), nn.Tanh(), nn.Linear(head, horizons * 4))
        # Typical displacement per horizon: the head works in units of it.
        scale = torch.tensor(scale_km, dtype=torch.float32).view(1, horizons, 1)
        self.register_buffer("scale", scale)
        self.register_buffer("log_scale2", 2 * torch.log(scale))

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        z = torch.cat([h[-1], x[:, -1, :]], dim=1)
        y = self.head(z).view(-1, self.horizons, 4)
        mean = y[:, :, 0:2] * self.scale
        log_var = y[:, :, 2:4] + self.log_scale2
        return mean, log_var


LOG3 = math.log(3.0)


def radial_laplace_nll(mean, log_var, target, valid):
    """Mean over known (sample, horizon) pairs of the NLL of the 2-D radial Laplace distribution,
    density exp(-r) / (2 pi b_x b_y) with r = |((y - mu)_x / b_x, (y - mu)_y / b_y)|, without the
    constant. Its per-axis variance is 3 b^2, which is what log_var holds. Its location minimises the
    expected distance to the truth (a geometric median), the quantity the evaluation's errors measure;
    a Gaussian's mean would minimise the squared distance instead and is pulled off by the rare long moves."""
    log_b = 0.5 * (log_var - LOG3)
    z = (target - mean) * torch.exp(-log_b)
    r = torch.sqrt((z * z).sum(dim=2) + 1e-12)
    nll = log_b.sum(dim=2) + r
    w = valid.float()
    return (nll * w).sum() / w.sum().clamp(min=1)


def load_split(data, split, window, n_features, horizons):
    f = np.fromfile(os.path.join(data, f"{split}.features.f32"), dtype="<f4")
    t = np.fromfile(os.path.join(data, f"{split}.targets.f32"), dtype="<f4")
    v = np.fromfile(os.path.join(data, f"{split}.valid.u8"), dtype=np.uint8)
    n = v.size // horizons
    return (
        torch.from_numpy(f.reshape(n, window, n_features).copy()),
        torch.from_numpy(t.reshape(n, horizons, 2).copy()),
        torch.from_numpy(v.reshape(n, horizons).astype(bool)),
    )


def evaluate(model, X, Y, V, batch=4096):
    model.eval()
    total, count = 0.0, 0.0
    err = [[] for _ in range(Y.shape[1])]
    with torch.no_grad():
        for i in range(0, X.shape[0], batch):
            m, lv = model(X[i : i + batch])
            y, v = Y[i : i + batch], V[i : i + batch]
            w = float(v.float().sum())
            total += float(radial_laplace_nll(m, lv, y, v)) * w
            count += w
            d = torch.sqrt(((y - m) ** 2).sum(dim=2))
            for k in range(Y.shape[1]):
                err[k].append(d[:, k][v[:, k]])
    model.train()
    errs = [torch.cat(e) for e in err]
    return total / max(count, 1), [float(e.median()) * 1000 for e in errs], [float(e.mean()) * 1000 for e in errs]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--max-train", type=int, default=0, help="use at most this many training samples (0: all)")
    ap.add_argument("--version", default="1.0.0")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    meta = json.load(open(os.path.join(args.data, "meta.json")))
    window, features, horizons_h = meta["window"], meta["features"], meta["horizons_h"]
    F, H = len(features), len(horizons_h)
    Xtr, Ytr, Vtr = load_split(args.data, "train", window, F, H)
    Xva, Yva, Vva = load_split(args.data, "val", window, F, H)
    if args.max_train and Xtr.shape[0] > args.max_train:
        Xtr, Ytr, Vtr = Xtr[: args.max_train], Ytr[: args.max_train], Vtr[: args.max_train]
    print(f"train {Xtr.shape[0]} samples, val {Xva.shape[0]}; window {window}, features {F}, horizons {horizons_h}", flush=True)

    model = NextPosition(F, args.hidden, H)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = math.ceil(Xtr.shape[0] / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.15)
    rng = np.random.RandomState(args.seed)
    best = (float("inf"), None, -1)
    history = []
    t0 = time.time()
    for epoch in range(args.epochs):
        order = torch.from_numpy(rng.permutation(Xtr.shape[0]))
        running = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch : (s + 1) * args.batch]
            mean, log_var = model(Xtr[idx])
            loss = radial_laplace_nll(mean, log_var, Ytr[idx], Vtr[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            running += float(loss)
        val_nll, med, mean_err = evaluate(model, Xva, Yva, Vva)
        history.append({"epoch": epoch + 1, "train_nll": running / steps_per_epoch, "val_nll": val_nll, "val_median_m": med, "val_mean_m": mean_err})
        print(f"epoch {epoch + 1:2d}  train nll {running / steps_per_epoch:.4f}  val nll {val_nll:.4f}  val median m {[round(m) for m in med]}  mean m {[round(m) for m in mean_err]}  {time.time() - t0:.0f}s", flush=True)
        if val_nll < best[0]:
            best = (val_nll, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1)
    train_seconds = time.time() - t0
    model.load_state_dict(best[1])
    model.eval()

    # ── ONNX export ──
    onnx_path = os.path.join(args.out, "next-position.onnx")
    example = Xva[:4].clone()
    opset = 14
    torch.onnx.export(
        model,
        (example,),
        onnx_path,
        input_names=["features"],
        output_names=["mean", "log_var"],
        dynamic_axes={"features": {0: "batch"}, "mean": {0: "batch"}, "log_var": {0: "batch"}},
        opset_version=opset,
        do_constant_folding=True,
    )
    import onnx

    onnx.checker.check_model(onnx.load(onnx_path))

    # A model with one feature too many, for the engine's signature test (its card is written by the test).
    wrong = NextPosition(F + 1, 8, H).eval()
    os.makedirs(os.path.join(args.out, "fixtures"), exist_ok=True)
    torch.onnx.export(
        wrong,
        (torch.zeros(1, window, F + 1),),
        os.path.join(args.out, "fixtures", "wrong-signature.onnx"),
        input_names=["features"],
        output_names=["mean", "log_var"],
        dynamic_axes={"features": {0: "batch"}, "mean": {0: "batch"}, "log_var": {0: "batch"}},
        opset_version=opset,
    )

    # ── Parity fixture: fixed inputs (validation samples and seeded noise, incl. padded and masked rows) and torch's outputs ──
    g = torch.Generator().manual_seed(args.seed + 1)
    pick = torch.randperm(Xva.shape[0], generator=g)[:12]
    noise = torch.randn(4, window, F, generator=g)
    fixed = torch.cat([Xva[pick], noise], dim=0).contiguous()
    with torch.no_grad():
        fm, flv = model(fixed)
    fixture = {
        "about": "torch outputs of next-position.onnx's weights on fixed inputs, written by train.py; test/unit/predict-parity.test.ts checks onnxruntime against them",
        "n": int(fixed.shape[0]),
        "shape": list(fixed.shape),
        "tolerance": 1e-5,
        "features": [float(v) for v in fixed.flatten().tolist()],
        "mean": [float(v) for v in fm.flatten().tolist()],
        "log_var": [float(v) for v in flv.flatten().tolist()],
    }
    with open(os.path.join(args.out, "parity-fixture.json"), "w") as fh:
        json.dump(fixture, fh)

    val_nll, med, mean_err = evaluate(model, Xva, Yva, Vva)
    dist = torch.sqrt((Yva**2).sum(dim=2))
    pers_med = [float(dist[:, k][Vva[:, k]].median()) * 1000 for k in range(H)]
    pers_mean = [float(dist[:, k][Vva[:, k]].mean()) * 1000 for k in range(H)]
    n_params = sum(p.numel() for p in model.parameters())
    card_path = os.path.join(args.out, "model-card.json")
    old = json.load(open(card_path)) if os.path.exists(card_path) else {}
    card = {
        "name": "next-position-lstm",
        "version": args.version,
        "file": "next-position.onnx",
        "sha256": sha256(onnx_path),
        "task": "displacement of an animal from its last fix at each horizon, with uncertainty: a 2-D radial Laplace distribution (location = mean = geometric median, per-axis variance) in the heading frame of its last moving step",
        "predictive_distribution": {
            "name": "radial-laplace",
            "density": "exp(-r) / (2 pi b_x b_y), r = sqrt(((x - mu_x) / b_x)^2 + ((y - mu_y) / b_y)^2), variance per axis 3 b^2",
            "radius_95": 4.743864518,
            "why": "its location minimises the expected distance to the truth, which the evaluation's median/mean errors measure; a Gaussian NLL's mean minimises squared distance and drifts toward rare long moves (an aborted first run with a Gaussian NLL lost to persistence in median error at 1 h and 6 h on validation after 2 epochs)",
        },
        "window": window,
        "horizons_h": horizons_h,
        "features": features,
        "signature": {
            "inputs": [{"name": "features", "type": "float32", "shape": ["batch", window, F]}],
            "outputs": [
                {"name": "mean", "type": "float32", "shape": ["batch", H, 2]},
                {"name": "log_var", "type": "float32", "shape": ["batch", H, 2]},
            ],
        },
        "outputs": {
            "mean": "km, heading frame (+x along the last step longer than 1 m, +y to its left); engine/predict/features.ts decodePrediction rotates back",
            "log_var": "log variance per axis, km^2 (radial Laplace: b = sqrt(exp(log_var) / 3))",
        },
        "feature_notes": {
            "frame": "displacements rotated so the last moving step points along +x",
            "padding": "rows before a track's first step are all zero with padding = 1 (trained with random history truncation, p = %s)" % meta.get("truncate_rate"),
            "behaviour": "p_resting/p_foraging/p_travelling: causal forward filter of a fixed 3-state HMM (FEATURE_HMM_SPEC in engine/predict/features.ts), steps scaled to 30 minutes",
            "time_of_day": "solar local time: UTC + longitude/15 for lon/lat tracks; UTC (or --utc-offset) for planar tracks",
            "covariates": "ndvi, dist_water, dist_settlement at each step's end fix: clip(ndvi,-1,1), ln(1+d/100 m)/5, ln(1+d/1000 m)/3",
            "cov_missing": "1 where covariates are unknown (off the landscape, e.g. buffalo.csv in Niger); then the covariate columns are 0. Trained with random masking (p = %s) so the model degrades gracefully without them" % meta.get("mask_rate"),
        },
        "architecture": {
            "lstm": {"layers": 1, "hidden": args.hidden},
            "head": "concat(last hidden, last step features) -> Linear(64) -> tanh -> Linear(horizons*4), scaled per horizon by %s km" % [0.5, 2.0, 4.0],
            "parameters": n_params,
            "onnx_opset": opset,
        },
        "data": {
            "training": "simulated tracks only (engine/predict/simulate.ts via models/lstm/make-data.ts): 3-state correlated walk with elephant/wildebeest parameters, per-animal speed scale 0.2-2.5x, diel rhythm, home-range attraction, fixes every 15/30/60 min with jitter, GPS error 8 m, dropped fixes and outages"
            + (", habitat-selective steps on the synthetic Mara-like landscape (engine/landscape, seed 1) with behaviour-dependent coefficients (engine/predict/habitat.ts)" if meta.get("landscape") else ", no landscape (covariates missing everywhere)"),
            "real_data": "none used for training: ../shared/datasets/buffalo.csv is reference test data and is kept for evaluation only",
            "generator": meta,
        },
        "training": {
            "framework": f"torch {torch.__version__} (Debian python3-torch), onnx {onnx.__version__}, python {platform.python_version()}",
            "seed": args.seed,
            "deterministic": "torch.manual_seed, numpy RandomState, torch.use_deterministic_algorithms(True), 1 thread",
            "loss": "negative log-likelihood of the 2-D radial Laplace distribution, masked where the truth is unknown",
            "optimizer": f"Adam, one-cycle lr max {args.lr}, batch {args.batch}, {args.epochs} epochs, grad-norm clip 5",
            "best_epoch": best[2],
            "train_samples": int(Xtr.shape[0]),
            "val_samples": int(Xva.shape[0]),
            "seconds": round(train_seconds, 1),
            "history": history,
        },
        "validation": {
            "about": "validation split (120 tracks, one origin per ~90 min, including origins with fewer than 16 steps of history); persistence = predicting no displacement",
            "nll": val_nll,
            "median_m": dict(zip([f"{h}h" for h in horizons_h], med)),
            "mean_m": dict(zip([f"{h}h" for h in horizons_h], mean_err)),
            "persistence_median_m": dict(zip([f"{h}h" for h in horizons_h], pers_med)),
            "persistence_mean_m": dict(zip([f"{h}h" for h in horizons_h], pers_mean)),
        },
        "metrics": old.get("metrics", {}) if old.get("sha256") == sha256(onnx_path) else {},
    }
    with open(card_path, "w") as fh:
        json.dump(card, fh, indent=2)
        fh.write("\n")
    print(f"best epoch {best[2]} val nll {best[0]:.4f}; wrote {onnx_path} ({card['sha256'][:12]}), card and parity fixture in {train_seconds:.0f} s of training")


if __name__ == "__main__":
    sys.exit(main())
