"""The training data: face crops exported by the kiosk's own detector and crop code (npm run
export-crops), their labels (with the project's corrections), sampling weights that balance class
and head turn, and the per-sample edits that need a face's keypoints (masks drawn on bare faces,
real masks lent to them, real lower faces laid over masks)."""
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

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


def photo_key(row):
    """The photo's path inside its data set (split/label/file): how label corrections name it."""
    return '/'.join(row['source'].replace(os.sep, '/').split('/')[-3:])


def load_split(root, split, keep=lambda row: True, corrections=None):
    rows = [json.loads(l) for l in open(os.path.join(root, f'{split}.jsonl')) if l.strip()]
    rows = [r for r in rows if keep(r)]
    for r in rows:
        key = photo_key(r)
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


def synthetic_incorrect(rows, images, labels, seed):
    """A fixed mask worn wrong drawn on each bare face: val's third class, which the published
    data lacks (for the checkpoint choice and every fit on val)."""
    xs = []
    for i in np.flatnonzero(labels == NO_MASK):
        rng = random.Random(seed * 7919 + int(i))
        xs.append(rng.choice(synth.INCORRECT)(images[i], rows[i]['keypoints'], rng))
    return np.stack(xs), np.full(len(xs), INCORRECT, dtype=np.int64)
