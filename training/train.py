#!/usr/bin/python3
"""Trains the default mask classifier from scratch and exports it in the Optimum layout.

Input: face crops exported by the product's own detector and crop code (npm run export-crops),
192 px at margin 0.8, so the kiosk's crop (margin 0.2) is the central 2/3 and there is room
for scale and shift jitter. Output: models/facemask-default/{model.onnx, config.json,
preprocessor_config.json, calibration.json, training.json}.

Run through `npm run train` (Debian's PyTorch: apt-get install python3-torch python3-torchvision python3-onnx).
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from model import MaskNet, count_parameters  # noqa: E402

EXPORT_MARGIN = 0.8
KIOSK_MARGIN = 0.2  # DEFAULT_PIPELINE_OPTIONS.cropMargin
INPUT = 128
LABELS = {'without_mask': 0, 'with_mask': 1}
ID2LABEL = {'0': 'without_mask', '1': 'with_mask'}


def log(*args):
    print(time.strftime('%H:%M:%S'), *args, flush=True)


def load_split(root, split):
    rows = [json.loads(l) for l in open(os.path.join(root, f'{split}.jsonl')) if l.strip()]
    kept = [r for r in rows if r['face']]
    images = np.stack([np.asarray(Image.open(os.path.join(root, r['crop'])).convert('RGB')) for r in kept])
    labels = np.array([LABELS[r['label']] for r in kept], dtype=np.int64)
    return kept, images, labels, len(rows) - len(kept)


class Crops(Dataset):
    """Per-sample edits that need keypoints: synthetic masks and non-mask occlusions."""

    def __init__(self, rows, images, labels, p_mask, p_occlusion, seed):
        self.rows, self.images, self.labels = rows, images, labels
        self.p_mask, self.p_occlusion = p_mask, p_occlusion
        self.seed = seed
        self.epoch = 0

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        rng = random.Random(self.seed * 1_000_003 + self.epoch * 10_007 + i)
        img, label = self.images[i], int(self.labels[i])
        kp = self.rows[i]['keypoints']
        if label == 0:
            r = rng.random()
            if r < self.p_mask:
                img, label = synth.draw_mask(img, kp, rng), 1
            elif r < self.p_mask + self.p_occlusion:
                img = rng.choice(synth.OCCLUSIONS)(img, kp, rng)
        return torch.from_numpy(np.array(img, copy=True)).permute(2, 0, 1), label


def kiosk_view(batch_u8):
    """The kiosk's own crop out of the wider export crop, with no augmentation."""
    return geometric(batch_u8, torch.zeros(len(batch_u8), 5), augment=False)


def geometric(batch_u8, params, augment=True):
    """Scale, shift, rotation and flip around the kiosk crop, sampled straight to INPUT px."""
    n = batch_u8.shape[0]
    x = batch_u8.float() / 255.0
    base = (1 + KIOSK_MARGIN) / (1 + EXPORT_MARGIN)
    if augment:
        scale = base * torch.empty(n).uniform_(0.85, 1.18)
        angle = torch.empty(n).uniform_(-0.2, 0.2)
        tx, ty = torch.empty(n).uniform_(-0.08, 0.08), torch.empty(n).uniform_(-0.08, 0.08)
        flip = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
    else:
        scale, angle, tx, ty, flip = torch.full((n,), base), torch.zeros(n), torch.zeros(n), torch.zeros(n), torch.ones(n)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, (n, 3, INPUT, INPUT), align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def blur(x, sigma):
    radius = max(1, int(math.ceil(2 * sigma)))
    k = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(k ** 2) / (2 * sigma ** 2))
    k = (k / k.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode='reflect'), k, groups=3)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode='reflect'), k.transpose(2, 3), groups=3)


def jpeg(x, quality):
    from torchvision.io import decode_jpeg, encode_jpeg
    u8 = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return decode_jpeg(encode_jpeg(u8, quality=quality)).float() / 255.0


def photometric(x, rng):
    """What a lobby camera does to a face: exposure, white balance, contrast, blur, noise, JPEG."""
    n = x.shape[0]
    x = x * torch.empty(n, 1, 1, 1).uniform_(0.55, 1.45)  # exposure
    x = x * torch.empty(n, 3, 1, 1).uniform_(0.85, 1.15)  # white balance
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * torch.empty(n, 1, 1, 1).uniform_(0.7, 1.3) + mean  # contrast
    grey = x.mean(dim=1, keepdim=True).expand_as(x)
    sat = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.3)
    sat[torch.rand(n) < 0.1] = 0.0  # some greyscale: skin tone must not be the cue
    x = grey + (x - grey) * sat
    x = x.clamp(0, 1) ** torch.empty(n, 1, 1, 1).uniform_(0.75, 1.35)  # gamma
    out = []
    for i in range(n):
        xi = x[i:i + 1]
        if rng.random() < 0.3:
            xi = blur(xi, rng.uniform(0.4, 1.6))
        if rng.random() < 0.3:
            xi = xi + torch.randn_like(xi) * rng.uniform(0.01, 0.05)
        xi = xi.clamp(0, 1)
        if rng.random() < 0.3:
            xi = jpeg(xi[0], int(rng.uniform(25, 90)))[None]
        out.append(xi)
    return torch.cat(out)


def swap_background(x, rng, p):
    """Replace what lies outside a face-sized ellipse with another crop's surroundings or a plain fill,
    so that plain backgrounds (common in the mask photos) cannot stand in for the mask."""
    n, _, h, w = x.shape
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing='ij')
    out = x.clone()
    for i in range(n):
        if rng.random() >= p:
            continue
        ry, rx = rng.uniform(0.75, 0.95), rng.uniform(0.6, 0.8)
        inside = ((xx / rx) ** 2 + ((yy - 0.05) / ry) ** 2).clamp(max=4)
        keep = torch.sigmoid((1 - inside) * 12)[None]
        if rng.random() < 0.5:
            other = x[rng.randrange(n)]
        else:
            other = torch.empty(3, 1, 1).uniform_(0, 1).expand(3, h, w)
        out[i] = x[i] * keep + other * (1 - keep)
    return out


def normalise(x):
    return (x - 0.5) / 0.5


def evaluate(model, images_u8, labels, batch=256):
    model.eval()
    logits = []
    with torch.no_grad():
        for i in range(0, len(images_u8), batch):
            b = torch.from_numpy(images_u8[i:i + batch]).permute(0, 3, 1, 2)
            logits.append(model(normalise(kiosk_view(b))))
    logits = torch.cat(logits)
    y = torch.from_numpy(labels)
    return logits, float((logits.argmax(1) == y).float().mean()), float(F.cross_entropy(logits, y))


def fit_temperature(logits, labels):
    y = torch.from_numpy(labels)
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.exp())


def export(model, out_dir, temperature, meta):
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    torch.onnx.export(
        model, torch.zeros(1, 3, INPUT, INPUT), os.path.join(out_dir, 'model.onnx'),
        input_names=['pixel_values'], output_names=['logits'],
        dynamic_axes={'pixel_values': {0: 'batch_size'}, 'logits': {0: 'batch_size'}}, opset_version=13,
    )
    files = {
        'config.json': {
            '_name_or_path': 'mask-kiosk/facemask-default', 'architectures': ['MaskNet'], 'model_type': 'masknet',
            'id2label': ID2LABEL, 'label2id': {v: int(k) for k, v in ID2LABEL.items()}, 'image_size': INPUT, 'num_channels': 3,
        },
        'preprocessor_config.json': {
            'do_resize': True, 'size': {'height': INPUT, 'width': INPUT}, 'resample': 2,
            'do_rescale': True, 'rescale_factor': 1 / 255, 'do_normalize': True,
            'image_mean': [0.5, 0.5, 0.5], 'image_std': [0.5, 0.5, 0.5], 'do_center_crop': False,
            'image_processor_type': 'ViTImageProcessor',
        },
        'calibration.json': {'temperature': round(temperature, 6), 'fitted_on': 'facemask-v1 val, kiosk crops, NLL'},
        'training.json': meta,
    }
    for name, data in files.items():
        with open(os.path.join(out_dir, name), 'w') as f:
            json.dump(data, f, indent=2)
            f.write('\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--crops', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=60)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--time-limit', type=float, default=57 * 60, help='seconds; a safety stop so a slow machine still finishes within the hour')
    args = ap.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    start = time.time()

    train_rows, train_x, train_y, train_noface = load_split(args.crops, 'train')
    val_rows, val_x, val_y, val_noface = load_split(args.crops, 'val')
    log(f'train {len(train_rows)} crops ({train_noface} images without a face left out), val {len(val_rows)} ({val_noface} left out)')

    data = Crops(train_rows, train_x, train_y, p_mask=0.3, p_occlusion=0.3, seed=args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(data, batch_size=args.batch, shuffle=True, num_workers=1, generator=gen, drop_last=True,
                        persistent_workers=False)
    model = MaskNet()
    log(f'MaskNet: {count_parameters(model):,} parameters, input {INPUT}px')
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps = args.epochs * len(loader)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    rng = random.Random(args.seed)
    best = None
    history = []
    for epoch in range(args.epochs):
        data.epoch = epoch
        model.train()
        t0, seen, loss_sum = time.time(), 0, 0.0
        for xb, yb in loader:
            x = geometric(xb, None)
            x = swap_background(x, rng, p=0.3)
            x = photometric(x, rng)
            loss = F.cross_entropy(model(normalise(x)), yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += len(yb)
            loss_sum += float(loss) * len(yb)
        _, acc, nll = evaluate(model, val_x, val_y)
        history.append({'epoch': epoch + 1, 'train_loss': round(loss_sum / seen, 4), 'val_accuracy': round(acc, 4), 'val_nll': round(nll, 4)})
        log(f'epoch {epoch + 1}/{args.epochs} train loss {loss_sum / seen:.4f} val acc {acc:.4f} nll {nll:.4f} ({time.time() - t0:.0f}s)')
        # Checkpoint chosen on val only: accuracy first, NLL to break ties.
        if best is None or (acc, -nll) > (best[0], -best[1]):
            best = (acc, nll, epoch + 1, {k: v.clone() for k, v in model.state_dict().items()})
        if time.time() - start > args.time_limit:
            log(f'time limit reached after epoch {epoch + 1}; stopping')
            break

    acc, nll, best_epoch, state = best
    model.load_state_dict(state)
    logits, acc, nll = evaluate(model, val_x, val_y)
    temperature = fit_temperature(logits, val_y)
    cal_nll = float(F.cross_entropy(logits / temperature, torch.from_numpy(val_y)))
    log(f'best epoch {best_epoch}: val acc {acc:.4f}, nll {nll:.4f}; temperature {temperature:.3f} -> nll {cal_nll:.4f}')
    meta = {
        'seed': args.seed, 'epochs_run': len(history), 'best_epoch': best_epoch, 'parameters': count_parameters(model),
        'input': INPUT, 'crop_margin': KIOSK_MARGIN, 'train_crops': len(train_rows), 'val_crops': len(val_rows),
        'train_images_without_face': train_noface, 'val_images_without_face': val_noface,
        'val_accuracy': round(acc, 4), 'val_nll': round(nll, 4), 'val_nll_calibrated': round(cal_nll, 4),
        'temperature': round(temperature, 4), 'seconds': round(time.time() - start), 'torch': torch.__version__,
        'history': history,
    }
    export(model, args.out, temperature, meta)
    log(f'exported to {args.out} in {time.time() - start:.0f}s total')


if __name__ == '__main__':
    main()
