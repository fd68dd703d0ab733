"""Trains the nose check: is the nose in view on a 32 px patch over it (src/main/vision/nose-patch.ts)?

Patches come from training/nose-patches.ts (the kiosk's own patch code, with keypoint wobble).
Covered: facemask-v1 with_mask. Uncovered: without_mask, London bare faces, and the photos that
training/label-corrections-v1.csv calls masks worn below the nose (the only real ones there are,
weighted up so that a few dozen count). Writes model.onnx and config.json into --out.

Usage: /usr/bin/python3 training/nose_check.py --patches training/.cache/nose --out DIR [--epochs 20] [--scores DIR]
Label audit: --folds 2 --fold 0|1 --scores DIR trains without one half of the photos and scores it.
"""
import argparse
import json
import os
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 32


def load(folder, split):
    data = np.fromfile(os.path.join(folder, f'{split}.u8'), dtype=np.uint8).reshape(-1, SIZE, SIZE, 3)
    with open(os.path.join(folder, f'{split}.jsonl')) as f:
        meta = [json.loads(line) for line in f]
    assert len(meta) == len(data), f'{split}: {len(meta)} lines for {len(data)} patches'
    return data, meta


class NoseNet(nn.Module):
    """Five 3x3 convolutions, two of them strided, global pooling: about 60 k parameters."""

    def __init__(self, width=16):
        super().__init__()
        w = width

        def block(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        self.features = nn.Sequential(block(3, w, 1), block(w, 2 * w, 2), block(2 * w, 2 * w, 1), block(2 * w, 4 * w, 2), block(4 * w, 4 * w, 1))
        self.head = nn.Linear(4 * w, 1)

    def forward(self, x):
        # Input RGB in 0..1; centring here keeps the kiosk's side to a plain division.
        x = (x - 0.5) / 0.25
        return self.head(self.features(x).mean(dim=(2, 3)))


def add_sunglasses(x, pick, gen, geometry):
    """Dark lenses over the eyes of the patches `pick` selects, in place. The patch (upright, its
    side geometry['side'] eye distances, centred geometry['above'] above the nose tip) reaches up
    to just under the eyes, so a pair of sunglasses fills its upper corners: without them in
    training, dark corners read as a covered nose."""
    k = int(pick.sum())
    if k == 0:
        return
    r = lambda *shape: torch.rand(*shape, generator=gen)
    ppd = SIZE / geometry['side']  # pixels per eye distance
    tip_y = SIZE / 2 + geometry['above'] * ppd
    eye_y = tip_y - (0.45 + 0.3 * r(k, 1, 1)) * ppd
    mid_x = SIZE / 2 + (r(k, 1, 1) - 0.5) * 0.3 * ppd
    half = (0.45 + 0.1 * r(k, 1, 1)) * ppd
    rx = (0.34 + 0.16 * r(k, 1, 1)) * ppd
    ry = (0.22 + 0.16 * r(k, 1, 1)) * ppd
    yy, xx = torch.meshgrid(torch.arange(SIZE, dtype=torch.float32) + 0.5, torch.arange(SIZE, dtype=torch.float32) + 0.5, indexing='ij')
    inside = torch.zeros(k, SIZE, SIZE)
    for side in (-1, 1):
        d = ((xx - (mid_x + side * half)) / rx) ** 2 + ((yy - eye_y) / ry) ** 2
        inside = torch.maximum(inside, (1 - d).mul(3).clamp(0, 1))  # a soft edge about a pixel wide
    colour = 0.12 * r(k, 3, 1, 1)
    alpha = (0.8 + 0.2 * r(k, 1, 1, 1)) * inside.unsqueeze(1)
    x[pick] = x[pick] * (1 - alpha) + colour * alpha


def augment(x, gen, low_share=0.35, recolour=0.0, glasses=0.0, geometry=None):
    """Light, colour and focus: what differs between lobby cameras. x: [N,3,H,W] in 0..1."""
    n = x.shape[0]
    r = lambda *shape: torch.rand(*shape, generator=gen)
    if glasses > 0:
        add_sunglasses(x, r(n) < glasses, gen, geometry)
    if recolour > 0:
        # A share of the patches, of either class, takes another mean colour (skin tones and mask
        # colours alike), so that a pale mask is not "skin" by its colour: only shape tells a nose.
        pick = r(n) < recolour
        if pick.any():
            k = int(pick.sum())
            target = 0.25 + 0.7 * r(k, 3, 1, 1)
            mean = x[pick].mean(dim=(2, 3), keepdim=True).clamp(min=0.05)
            x[pick] = (x[pick] * (target / mean)).clamp(0, 1)
    gray = x.mean(dim=1, keepdim=True)
    sat = 0.4 + 1.0 * r(n, 1, 1, 1)
    x = gray + (x - gray) * sat
    x = x * (0.6 + 0.8 * r(n, 1, 1, 1)) + (r(n, 1, 1, 1) - 0.5) * 0.3
    x = x * (0.9 + 0.2 * r(n, 3, 1, 1))
    flip = r(n) < 0.5
    x[flip] = x[flip].flip(3)
    # A blurrier, lower-resolution camera (or a small face enlarged): down- and upsample a share
    # of the batch, in three groups of their own size.
    low = r(n) < low_share
    groups = torch.randint(0, 3, (n,), generator=gen)
    for g in range(3):
        pick = low & (groups == g)
        if pick.any():
            s = int(6 + 18 * r(1).item())
            x[pick] = F.interpolate(F.interpolate(x[pick], size=(s, s), mode='area'), size=(SIZE, SIZE), mode='bilinear', align_corners=False)
    x = x + torch.randn(x.shape, generator=gen) * (0.03 * r(n, 1, 1, 1))
    return x.clamp(0, 1)


def to_tensor(patches):
    return torch.from_numpy(patches).permute(0, 3, 1, 2).float() / 255


def auc(scores, labels):
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())


def predict(model, patches):
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(to_tensor(patches))).squeeze(1).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--patches', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=20)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--below-nose-weight', type=float, default=5.0, help='loss weight of a real mask below the nose')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--low-res', type=float, default=0.6, help='share of training patches seen through a lower-resolution camera')
    ap.add_argument('--recolour', type=float, default=0.0, help='share of training patches given another mean colour (experimental)')
    ap.add_argument('--glasses', type=float, default=0.0, help='share of training patches, of either class, with dark sunglasses over the eyes')
    ap.add_argument('--version', default='1.0.0')
    ap.add_argument('--threshold', type=float, default=None, help='veto threshold; default: chosen on val (see below)')
    ap.add_argument('--face-threshold', type=float, default=None, help="P(face) of the face check (face-check.onnx, training/export_face_check.py) below which the check's word is not taken; written to config.json")
    ap.add_argument('--doubt-at', type=float, default=None, help="P(uncovered), smoothed over a person's looks, at or above which the kiosk holds back a thank-you; written to config.json (default: the threshold). Choose it by replaying recorded visits: npm run replay -- REC.jsonl --tracker '{\"noseDoubtAt\": X}'")
    ap.add_argument('--folds', type=int, default=0, help='cross-fitting for the label audit: train without fold --fold of the photos, score it')
    ap.add_argument('--fold', type=int, default=0)
    ap.add_argument('--scores', default=None, help='folder for per-photo scores (held-out fold, and ood when its patches exist); they name data-set photos, so never the model folder')
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    # The kiosk cuts its patches where these were cut (training/nose-patches.ts wrote patch.json);
    # read before training, so a folder without it stops the run at once.
    with open(os.path.join(args.patches, 'patch.json')) as f:
        patch = json.load(f)
    parts = [load(args.patches, s) for s in ('train', 'london')]
    x = np.concatenate([p[0] for p in parts])
    meta = [m for p in parts for m in p[1]]
    held_out = None
    if args.folds:
        # Folds by photo, so no wobbled copy of a held-out photo is trained on.
        in_fold = np.array([zlib.crc32(m['source'].encode()) % args.folds == args.fold for m in meta])
        held_out = (x[in_fold], [m for m, f in zip(meta, in_fold) if f])
        x = x[~in_fold]
        meta = [m for m, f in zip(meta, in_fold) if not f]
    y = torch.tensor([0.0 if m['covered'] else 1.0 for m in meta])
    below = torch.tensor([m['label'] == 'with_mask' and not m['covered'] for m in meta])
    weight = torch.where(below, torch.tensor(args.below_nose_weight), torch.tensor(1.0))
    # Classes weighted to equal totals.
    pos = y == 1
    weight[pos] *= (weight[~pos].sum() / weight[pos].sum())
    xt = to_tensor(x)
    vx, vmeta = load(args.patches, 'val')
    vy = np.array([0 if m['covered'] else 1 for m in vmeta])

    model = NoseNet(args.width)
    print(f'{sum(p.numel() for p in model.parameters())} parameters; {len(y)} training patches ({int(pos.sum())} uncovered, {int(below.sum())} masks below the nose)')
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = args.epochs * ((len(y) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(y), generator=gen)
        total = 0.0
        for i in range(0, len(y), 256):
            idx = perm[i:i + 256]
            logits = model(augment(xt[idx].clone(), gen, args.low_res, args.recolour, args.glasses, patch)).squeeze(1)
            loss = (F.binary_cross_entropy_with_logits(logits, y[idx], reduction='none') * weight[idx]).sum() / weight[idx].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        p = predict(model, vx)
        print(f'epoch {epoch + 1}: loss {total / len(y):.4f}, val AUC {auc(p, vy):.4f}', flush=True)

    p = predict(model, vx)
    masks = np.array([m['label'] == 'with_mask' and m['covered'] for m in vmeta])
    bare = np.array([m['label'] == 'without_mask' for m in vmeta])
    belowv = np.array([m['label'] == 'with_mask' and not m['covered'] for m in vmeta])
    # A false alarm tells a person who wears the mask right to pull it up: take the lowest threshold
    # (in hundredths) that tells none of val's masks so.
    threshold = args.threshold if args.threshold is not None else float(min(0.99, max(0.5, np.ceil(p[masks].max() * 100) / 100)))
    report = {
        'val_auc': float(auc(p, vy)),
        'threshold': threshold,
        'val_masks_called_uncovered': float((p[masks] >= threshold).mean()),
        'val_bare_called_uncovered': float((p[bare] >= threshold).mean()),
        'val_below_nose_called_uncovered': f'{int((p[belowv] >= threshold).sum())} of {int(belowv.sum())}',
    }
    print(json.dumps(report, indent=1))

    os.makedirs(args.out, exist_ok=True)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), os.path.join(args.out, 'model.onnx'), input_names=['patch'], output_names=['logit'],
                      dynamic_axes={'patch': {0: 'batch'}, 'logit': {0: 'batch'}}, opset_version=13)
    with open(os.path.join(args.out, 'config.json'), 'w') as f:
        config = {'model_version': args.version, 'patch': patch, 'threshold': round(threshold, 4),
                  'doubt_at': round(args.doubt_at if args.doubt_at is not None else threshold, 4)}
        if args.face_threshold is not None:
            config['face_threshold'] = args.face_threshold
        json.dump(config, f, indent=2)
        f.write('\n')
    with open(os.path.join(args.out, 'training.json'), 'w') as f:
        json.dump({'args': vars(args), **report}, f, indent=2)
        f.write('\n')
    if args.scores:
        os.makedirs(args.scores, exist_ok=True)
        splits = [('ood', *load(args.patches, 'ood'))] if os.path.exists(os.path.join(args.patches, 'ood.u8')) else []
        if held_out is not None:
            splits.append((f'fold{args.fold}', *held_out))
        for name, sx, smeta in splits:
            ps = predict(model, sx)
            with open(os.path.join(args.scores, f'{name}-scores.jsonl'), 'w') as f:
                for m, s in zip(smeta, ps):
                    if m['jitter'] == 0:
                        f.write(json.dumps({'source': m['source'], 'label': m['label'], 'covered': m['covered'], 'uncovered': float(s)}) + '\n')


if __name__ == '__main__':
    main()
