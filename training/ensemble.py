#!/usr/bin/python3
"""Exports several trained classifiers (train.py --save-checkpoint; MaskNet or FaceMeshNet) as one
classifier folder whose graph averages their calibrated probabilities (or, with --average logits,
their logits), over the crop and, with --flip-tta 1, its mirror image. Calibration is fitted on
that averaged output, on val with its synthetic masks-worn-wrong: first the split between a mask
worn right and one below the nose (CoveredResplit), then the temperature, as train.py does for a
single model. With --kind, further checkpoints name the violation (ViolationSplit): the members
above keep their chance of a mask worn right, and the rest is shared between "no mask" and "below
the nose" as the --kind members share it, leaning to "no mask" as far as val allows (--kind-recall)."""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import crops  # noqa: E402
import fitting  # noqa: E402
from model import build_model, count_parameters  # noqa: E402


class Shifted(nn.Module):
    """Adds per-class logit offsets fitted on val (bias-corrected temperature scaling)."""

    def __init__(self, model, bias):
        super().__init__()
        self.model = model
        self.register_buffer('bias', bias)

    def forward(self, x):
        return self.model(x) + self.bias


def resplit_covered(logits, log_odds):
    """Log-probabilities with the odds of a mask worn right against one below the nose, among
    faces with a mask on, multiplied by exp(log_odds); the chance of no mask at all is unchanged."""
    logp = torch.log_softmax(logits, dim=1)
    worn, below = logp[:, crops.MASK], logp[:, crops.INCORRECT]
    covered = torch.logsumexp(torch.stack([worn, below]), 0)
    norm = covered - torch.logsumexp(torch.stack([worn + log_odds, below]), 0)
    out = [None] * 3
    out[crops.NO_MASK] = logp[:, crops.NO_MASK]
    out[crops.MASK] = worn + log_odds + norm
    out[crops.INCORRECT] = below + norm
    return torch.stack(out, 1)


def fit_mask_odds(logits, labels):
    """The odds factor of resplit_covered that minimises NLL on labelled crops."""
    y = torch.from_numpy(labels)
    log_odds = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_odds], lr=0.1, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.nll_loss(resplit_covered(logits, log_odds), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_odds.exp())


class CoveredResplit(nn.Module):
    """Temperature scaling leaves the members' split between a mask worn right and one below the
    nose biased towards "below the nose" (the synthetic masks worn wrong, drawn on frontal bare
    faces, make a real mask seen from above look worn low); resplit_covered, with odds fitted on val,
    corrects that split without touching the chance of no mask."""

    def __init__(self, model, odds):
        super().__init__()
        self.model = model
        self.register_buffer('log_odds', torch.tensor(float(np.log(odds))))

    def forward(self, x):
        return resplit_covered(self.model(x), self.log_odds)


def split_violation(logp, kind_logp, log_k):
    """Log-probabilities whose chance of a mask worn right is logp's, the rest shared between no
    mask and a mask below the nose as kind_logp shares it, with the odds of "below the nose"
    multiplied by exp(log_k)."""
    rest = torch.logsumexp(torch.stack([logp[:, crops.NO_MASK], logp[:, crops.INCORRECT]]), 0)
    below = kind_logp[:, crops.INCORRECT] + log_k
    bare = kind_logp[:, crops.NO_MASK]
    norm = rest - torch.logsumexp(torch.stack([below, bare]), 0)
    out = [None] * 3
    out[crops.NO_MASK] = bare + norm
    out[crops.MASK] = logp[:, crops.MASK]
    out[crops.INCORRECT] = below + norm
    return torch.stack(out, 1)


def lean_to_no_mask(logp, kind_logp, labels, min_recall):
    """The smallest odds factor of split_violation (the strongest lean from "below the nose"
    towards "no mask") at which labelled masks worn wrong are still called so at min_recall."""
    y = torch.from_numpy(labels)
    wrong = y == crops.INCORRECT
    for k in np.exp(np.linspace(np.log(0.02), np.log(5.0), 400)):
        pred = split_violation(logp, kind_logp, torch.tensor(float(np.log(k)))).argmax(1)
        if float((pred[wrong] == crops.INCORRECT).float().mean()) >= min_recall:
            return float(k)
    raise SystemExit(f'no odds factor up to 5 reaches {min_recall} recall of masks worn wrong on val')


class ViolationSplit(nn.Module):
    """The main members decide whether a mask is worn right (their calibrated chance of it is
    kept); other members, better at it, name the violation (see split_violation). The output
    is calibrated log-probabilities: the exported temperature is 1."""

    def __init__(self, model, temperature, kind, log_k):
        super().__init__()
        self.model = model
        self.kind = kind
        self.register_buffer('temperature', torch.tensor(float(temperature)))
        self.register_buffer('log_k', torch.tensor(float(log_k)))

    def forward(self, x):
        logp = torch.log_softmax(self.model(x) / self.temperature, dim=1)
        return split_violation(logp, torch.log_softmax(self.kind(x), dim=1), self.log_k)


def load_checkpoint(path, backbone=None):
    ck = torch.load(path)
    m = build_model(ck['meta'].get('options', {}).get('arch', 'masknet'), len(crops.LABELS), width=ck['width'], backbone=backbone)
    m.load_state_dict(ck['state'])
    return m.eval(), ck


class Ensemble(nn.Module):
    """Weighted mean of the members' logits, or (with temperatures) the log of the weighted mean of
    their calibrated probabilities: a member that is sure cannot then outvote by the size of its
    logits alone. Weights (default equal) let two runs of one architecture share one vote."""

    def __init__(self, models, temperatures=None, weights=None):
        super().__init__()
        self.models = nn.ModuleList(models)
        self.register_buffer('temperatures', torch.tensor(temperatures, dtype=torch.float32) if temperatures else None)
        w = torch.tensor(weights if weights else [1.0] * len(models), dtype=torch.float32)
        self.register_buffer('weights', (w / w.sum()).view(-1, 1, 1))

    def forward(self, x):
        logits = torch.stack([m(x) for m in self.models])
        if self.temperatures is None:
            return (logits * self.weights).sum(0)
        probs = torch.softmax(logits / self.temperatures.view(-1, 1, 1), dim=2)
        return torch.log((probs * self.weights).sum(0).clamp_min(1e-7))


def load_members(paths, backbone, ap):
    """The checkpoints' networks and their training metadata (without the per-epoch history)."""
    models, metas = [], []
    for path in paths:
        m, ck = load_checkpoint(path, backbone)
        margin = ck['meta'].get('options', {}).get('crop_margin', augment.KIOSK_MARGIN)
        if margin != augment.KIOSK_MARGIN:
            # The kiosk crops every model's faces at its own margin; calibration here does too.
            ap.error(f'{path} was trained on crops at margin {margin}, the kiosk cuts them at {augment.KIOSK_MARGIN}')
        models.append(m)
        meta = dict(ck['meta'])
        if meta.get('options', {}).get('choose') == 'last':
            meta['checkpoint_choice'] = 'the final (averaged) weights; ood-eval-v1 was only logged per epoch, to compare recipes'
        meta.pop('history', None)
        metas.append(meta)
    return models, metas


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoints', nargs='+')
    ap.add_argument('--crops', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--label-corrections', default=None, help='CSV of photos whose published label is wrong, applied to val (calibration)')
    ap.add_argument('--version', default=None, help='model version written into config.json and training.json (training/EXPERIMENTS.md)')
    ap.add_argument('--select-crops', default=None)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--backbone', default=None, help='folder holding the face-mesh graphs (facemesh.json, facemesh-attention.json), for FaceMeshNet checkpoints')
    ap.add_argument('--flip-tta', type=int, default=1)
    ap.add_argument('--average', choices=['probs', 'logits'], default='probs', help='probs: mean of the members\' calibrated probabilities; logits: mean of their raw logits')
    ap.add_argument('--fit-bias', type=int, default=0, help='also fit per-class logit offsets on val (with the temperature, by NLL)')
    ap.add_argument('--weights', type=float, nargs='+', default=None, help='one weight per checkpoint (normalised; default equal)')
    ap.add_argument('--resplit', type=int, default=1, help='refit, on val by NLL, the split between a mask worn right and one below the nose (see CoveredResplit)')
    ap.add_argument('--kind', nargs='+', default=None, help='checkpoints that name the violation (see ViolationSplit); the main checkpoints alone decide whether a mask is worn right')
    ap.add_argument('--kind-recall', type=float, default=0.90, help='with --kind: lean from "below the nose" towards "no mask" as far as val\'s synthetic masks worn wrong keep this recall')
    args = ap.parse_args()
    if args.weights and len(args.weights) != len(args.checkpoints):
        ap.error(f'--weights needs one weight per checkpoint ({len(args.checkpoints)})')
    start = time.time()
    models, metas = load_members(args.checkpoints, args.backbone, ap)
    ens = Ensemble(models, [m['temperature'] for m in metas] if args.average == 'probs' else None, args.weights).eval()
    # The calibration layers wrap the whole averaged graph (mirror image included), so what is
    # fitted below is exactly what is exported.
    graph = fitting.FlipAverage(ens) if args.flip_tta else ens
    val_rows, val_x, val_y, _ = crops.load_split(args.crops, 'val', corrections=crops.read_label_corrections(args.label_corrections))
    inc_x, inc_y = crops.synthetic_incorrect(val_rows, val_x, val_y, args.seed)
    val3_x, val3_y = np.concatenate([val_x, inc_x]), np.concatenate([val_y, inc_y])
    logits, bal, nll, rec = fitting.evaluate(graph, val3_x, val3_y)
    bias, odds = None, None
    if args.resplit:
        odds = fit_mask_odds(logits, val3_y)
        graph = CoveredResplit(graph, odds).eval()
        logits, bal, nll, rec = fitting.evaluate(graph, val3_x, val3_y)
    if args.fit_bias:
        _, bias = fitting.fit_temperature(logits, val3_y, with_bias=True)
        graph = Shifted(graph, bias)
        logits, bal, nll, rec = fitting.evaluate(graph, val3_x, val3_y)
    temperature, _ = fitting.fit_temperature(logits, val3_y)
    cal_nll = float(F.cross_entropy(logits / temperature, torch.from_numpy(val3_y)))
    kind_metas, kind_odds, exported_temperature = None, None, temperature
    if args.kind:
        kind_models, kind_metas = load_members(args.kind, args.backbone, ap)
        kind = Ensemble(kind_models, [m['temperature'] for m in kind_metas]).eval()
        kind = fitting.FlipAverage(kind) if args.flip_tta else kind
        logp = torch.log_softmax(logits / temperature, dim=1)
        kind_odds = lean_to_no_mask(logp, torch.log_softmax(fitting.predict(kind, val3_x), dim=1), val3_y, args.kind_recall)
        graph = ViolationSplit(graph, temperature, kind, np.log(kind_odds)).eval()
        logits, bal, nll, rec = fitting.evaluate(graph, val3_x, val3_y)
        cal_nll, exported_temperature = nll, 1.0
        crops.log(f'violation named by {len(kind_models)} member(s): odds of "below the nose" x {kind_odds:.3f}')
    select = None
    if args.select_crops:
        _, s_x, s_y, _ = crops.load_split(args.select_crops, 'ood')
        select = fitting.evaluate_compliance(graph, s_x, s_y)
    crops.log(f'bias {None if bias is None else [round(float(b), 3) for b in bias]}, mask odds {odds}')
    crops.log(f'ensemble of {len(models)}: val balanced {bal:.4f} {rec}, nll {nll:.4f} -> {cal_nll:.4f} at T={temperature:.3f}; select {select}')
    meta = {
        'ensemble': [os.path.basename(p) for p in args.checkpoints], 'average': args.average, 'weights': args.weights, 'members': metas, 'flip_tta': bool(args.flip_tta),
        'parameters': sum(count_parameters(m) for m in models), 'input': augment.INPUT, 'crop_margin': augment.KIOSK_MARGIN,
        'logit_bias': [round(float(b), 4) for b in bias] if bias is not None else None, 'mask_odds': None if odds is None else round(odds, 4),
        'val_balanced_accuracy': round(bal, 4), 'val_recall': {crops.ID2LABEL[str(k)]: round(v, 4) for k, v in rec.items()},
        'val_nll': round(nll, 4), 'val_nll_calibrated': round(cal_nll, 4), 'temperature': round(temperature, 4),
        'seconds': round(time.time() - start), 'torch': torch.__version__,
    }
    if args.kind:
        meta.update({
            'kind': [os.path.basename(p) for p in args.kind], 'kind_members': kind_metas, 'kind_odds': round(kind_odds, 4), 'kind_recall': args.kind_recall,
            'parameters': meta['parameters'] + sum(count_parameters(m) for m in kind_models),
            'temperature_note': 'temperature applies to the main members inside the graph; the exported temperature is 1',
        })
    fitting.export(graph, args.out, exported_temperature, meta, architecture='Ensemble', version=args.version)
    crops.log(f'exported to {args.out}')


if __name__ == '__main__':
    main()
