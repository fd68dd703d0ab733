"""Fine-tunes BlazeFace (models/blazeface) into the kiosk's detector (models/face-detector), so
that masked faces are found as far away as bare ones.

Measured first (`--measure`): in camera frames made as `scan --visits` makes them, the published
detector finds a masked face about 60 px wide (a person some 2 m away) in 88 % of facemask-v1 val
photos and a bare one in 98 %. The faces it misses are the ones it already finds in the photo
itself, larger: so the labels come from the published detector on the photo (the still-image pass),
and the training frames show the same face smaller, blurred, noisier, elsewhere in the frame.

Loss, per 128x128 input: the anchors matched to the labelled face (SSD matching on MediaPipe's
short-range anchor boxes) learn to score it and to regress its box and keypoints; every other
anchor learns the published detector's own score on the same input (so what it finds or ignores
elsewhere, on backgrounds and other people, stays as it was), and its boxes and keypoints wherever
it sees a face (they tell the kiosk how far a head is turned). Frames with nobody in them
(`--negatives`: one colour or a gradient, with the camera's noise) teach every anchor 0: without
them the fine-tune saw faces on plain walls more often than the published detector.

    npm run train:face-detector      # models/face-detector, about 15 minutes on 2 cores
    /usr/bin/python3 training/train_face_detector.py --measure models/blazeface/model.onnx [--split val]
    /usr/bin/python3 training/train_face_detector.py --measure training/.cache/face-detector/student.pt
"""
import argparse
import hashlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from camera_frames import BACKGROUND, FRAME_H, FRAME_W, camera, letterbox, zoom_region
from face_detector import ANCHORS, INPUT_SIZE, BlazeFace, decode, export_difference, export_onnx

DATA = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'facemask-v1')
# MediaPipe's BlazeFace as published (fetched by `npm run setup`): the base and the teacher.
BASE = os.path.join(os.path.dirname(__file__), '..', 'models', 'blazeface', 'model.onnx')
CLASSES = ('with_mask', 'without_mask')


def anchor_boxes():
    """MediaPipe's short-range anchor sizes (4 layers, scales 0.148 to 0.75, strides 8/16/16/16),
    two per layer (the scale and the geometric mean with the next), in the model's row order."""
    n, lo, hi = 4, 0.1484375, 0.75
    scales = [lo + (hi - lo) * i / (n - 1) for i in range(n)] + [1.0]
    per_stride = {8: [], 16: []}
    for i, stride in enumerate((8, 16, 16, 16)):
        per_stride[stride] += [scales[i], math.sqrt(scales[i] * scales[i + 1])]
    sizes = []
    for stride, grid in ((8, 16), (16, 8)):
        sizes += per_stride[stride] * (grid * grid)
    return np.array(sizes, dtype=np.float32)


ANCHOR_SIZES = anchor_boxes()


def map_face(face, scale, dx=0.0, dy=0.0):
    """A face (centre, size, keypoints) under x -> x * scale + dx, y -> y * scale + dy."""
    return {**face, 'cx': face['cx'] * scale + dx, 'cy': face['cy'] * scale + dy, 'w': face['w'] * scale, 'h': face['h'] * scale,
            'kp': [v * scale + (dx if k % 2 == 0 else dy) for k, v in enumerate(face['kp'])]}


def matched_anchors(cx, cy, w, h, min_iou=0.5):
    """Anchors whose box overlaps the face by min_iou or more, and always the best one (normalised units)."""
    a = ANCHOR_SIZES
    ix = np.clip(np.minimum(ANCHORS[:, 0] + a / 2, cx + w / 2) - np.maximum(ANCHORS[:, 0] - a / 2, cx - w / 2), 0, None)
    iy = np.clip(np.minimum(ANCHORS[:, 1] + a / 2, cy + h / 2) - np.maximum(ANCHORS[:, 1] - a / 2, cy - h / 2), 0, None)
    inter = ix * iy
    iou = inter / (a * a + w * h - inter)
    idx = set(np.nonzero(iou >= min_iou)[0].tolist())
    idx.add(int(iou.argmax()))
    return sorted(idx)


def detect(model, arr, min_score):
    with torch.no_grad():
        s, b = model.raw(torch.from_numpy(arr)[None])
    return decode(s[0].numpy(), b[0].numpy(), min_score)


def still_face(model, photo):
    """The kiosk's still-image pass (borders 0.1, 0 and 0.4 at score 0.3): the most confident face,
    as centre, size and keypoints in photo pixels, or None."""
    for border in (0.1, 0, 0.4):
        side = max(photo.size) * (1 + 2 * border)
        ox, oy = (side - photo.width) / 2, (side - photo.height) / 2
        canvas = Image.new('RGB', (round(side), round(side)), (0, 0, 0))
        canvas.paste(photo, (round(ox), round(oy)))
        arr = np.asarray(canvas.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR), np.float32) / 127.5 - 1
        dets = detect(model, arr, 0.3)
        if dets:
            d = max(dets, key=lambda x: x['score'])
            face = map_face(d, side, -ox, -oy)  # detections are normalised to the square canvas
            return {k: face[k] for k in ('cx', 'cy', 'w', 'h', 'kp')}
    return None


def labels(model, split, cache):
    if os.path.exists(cache):
        return json.load(open(cache))
    out = []
    for cls in CLASSES:
        folder = os.path.join(DATA, split, cls)
        for f in sorted(os.listdir(folder)):
            face = still_face(model, Image.open(os.path.join(folder, f)).convert('RGB'))
            if face:
                out.append({'path': os.path.join(split, cls, f), 'cls': cls, **face})
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    json.dump(out, open(cache, 'w'))
    return out


def scaled(image, s, resample=Image.BICUBIC):
    """`image` resized by the factor s (at least 1 px each way)."""
    return image.resize((max(1, round(image.width * s)), max(1, round(image.height * s))), resample)


def camera_detections(model, frame):
    """Detections at the camera line (0.5) as the kiosk looks for them: the whole frame, then, when
    it holds none, the zoom region; with the letterbox map of the pass that found them."""
    for region in (None, zoom_region(frame.width, frame.height)):
        arr, lb = letterbox(frame, region)
        dets = detect(model, arr, 0.5)
        if dets:
            return dets, lb
    return [], None


def frame_with_face(photo, face, width, centre, rng, background=BACKGROUND):
    """The photo scaled so its face is `width` px wide, the face at `centre` of a 640x480 frame."""
    s = width / face['w']
    frame = Image.new('RGB', (FRAME_W, FRAME_H), background)
    left, top = round(centre[0] - face['cx'] * s), round(centre[1] - face['cy'] * s)
    frame.paste(scaled(photo, s), (left, top))
    return camera(frame, rng), map_face(face, s, left, top)


def to_input(face, lb):
    """A face in frame pixels to the model's normalised input units, through the letterbox map."""
    s, ox, oy = lb
    f = lambda v, o: (v * s + o) / INPUT_SIZE  # noqa: E731
    return {'cx': f(face['cx'], ox), 'cy': f(face['cy'], oy), 'w': face['w'] * s / INPUT_SIZE, 'h': face['h'] * s / INPUT_SIZE,
            'kp': [f(v, ox if k % 2 == 0 else oy) for k, v in enumerate(face['kp'])]}


class Frames(torch.utils.data.Dataset):
    """Training inputs: a labelled photo at a random face size and place, now and then blurred
    (taken down to a small face and back up), on a random plain background; the whole frame or
    the kiosk's zoom region, as the kiosk runs them."""

    def __init__(self, items, seed, negatives=0, photo_parts=0.0):
        self.items, self.seed, self.negatives, self.photo_parts = items, seed, negatives, photo_parts

    def __len__(self):
        return len(self.items) + self.negatives

    def __getitem__(self, i):
        if i >= len(self.items):
            return self.negative(i - len(self.items))
        rng = np.random.default_rng((self.seed, i))
        it = self.items[i]
        photo = Image.open(os.path.join(DATA, it['path'])).convert('RGB')
        face = dict(it)
        if rng.random() < 0.3:
            small = rng.uniform(14, 40)
            k = small / it['w']
            if k < 1:
                photo = scaled(photo, k, Image.BILINEAR)
                face = map_face(it, k)
        zoom = rng.random() < 0.35
        zx, zy, zw, zh = zoom_region()
        # The face's width in the model's input, 11 to 64 px (smaller is noise at 128 px), then in the frame.
        width = math.exp(rng.uniform(math.log(11), math.log(64))) / (INPUT_SIZE / (max(zw, zh) if zoom else FRAME_W))
        if zoom:
            centre = (rng.uniform(zx + 0.2 * zw, zx + 0.8 * zw), rng.uniform(zy + 0.2 * zh, zy + 0.8 * zh))
        else:
            centre = (rng.uniform(0.15, 0.85) * FRAME_W, rng.uniform(0.2, 0.75) * FRAME_H)
        background = tuple(int(v) for v in (rng.integers(0, 256, 3) if rng.random() < 0.5 else BACKGROUND))
        frame, f = frame_with_face(photo, face, width, centre, rng, background)
        arr, lb = letterbox(frame, (zx, zy, zw, zh) if zoom else None)
        t = to_input(f, lb)
        reg = np.zeros((len(ANCHORS), 16), np.float32)
        pos = np.zeros(len(ANCHORS), np.float32)
        for a in matched_anchors(t['cx'], t['cy'], t['w'], t['h']):
            ax, ay = ANCHORS[a]
            reg[a, :4] = [(t['cx'] - ax) * INPUT_SIZE, (t['cy'] - ay) * INPUT_SIZE, t['w'] * INPUT_SIZE, t['h'] * INPUT_SIZE]
            reg[a, 4:] = [(t['kp'][k] - (ax if k % 2 == 0 else ay)) * INPUT_SIZE for k in range(12)]
            pos[a] = 1
        return torch.from_numpy(arr), torch.from_numpy(pos), torch.from_numpy(reg), torch.tensor(POSITIVE)

    def negative(self, j):
        """A frame with nobody in it: one colour or a gradient between two, with the camera's noise.
        With `photo_parts`, that share of them shows instead the strip of a training close-up beside
        its face (clothing, hair, the wall), scaled and placed anywhere: measured and not shipped,
        since a strip can hold a small masked face, which it then teaches as none."""
        rng = np.random.default_rng((self.seed, 7919, j))
        background = tuple(int(v) for v in (rng.integers(0, 256, 3) if rng.random() < 0.5 else BACKGROUND))
        frame = Image.new('RGB', (FRAME_W, FRAME_H), background)
        kind = EMPTY
        if rng.random() < self.photo_parts:
            # Most training photos are close-ups with little beside the face: look through a few.
            part = None
            for _ in range(8):
                it = self.items[int(rng.integers(len(self.items)))]
                part = beside_face(Image.open(os.path.join(DATA, it['path'])).convert('RGB'), it)
                if part is not None:
                    break
            if part is not None:
                kind = PHOTO_PART
                side = math.exp(rng.uniform(math.log(120), math.log(640)))
                part = scaled(part, side / max(part.size))
                frame.paste(part, (int(rng.integers(-part.width // 3, FRAME_W - part.width // 2)),
                                   int(rng.integers(-part.height // 3, FRAME_H - part.height // 2))))
        if kind == EMPTY and rng.random() < 0.5:
            a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
            across = rng.random() < 0.5
            t = np.linspace(0, 1, FRAME_W if across else FRAME_H, dtype=np.float32)[:, None]
            ramp = (a * (1 - t) + b * t).astype(np.uint8)
            frame = Image.fromarray(np.ascontiguousarray(np.broadcast_to(ramp[None] if across else ramp[:, None], (FRAME_H, FRAME_W, 3))))
        frame = camera(frame, rng)
        arr, _ = letterbox(frame, zoom_region() if rng.random() < 0.35 else None)
        return (torch.from_numpy(arr), torch.zeros(len(ANCHORS)), torch.zeros((len(ANCHORS), 16)), torch.tensor(kind))


# What a training input holds, for the score targets: the labelled face; part of a photo beside
# its face (other people may be in it: where the published detector sees a face at its still-image
# line, 0.3, it still teaches its score); nobody at all (every anchor learns 0).
POSITIVE, PHOTO_PART, EMPTY = 0, 1, 2


def beside_face(photo, face, margin=1.5, min_share=0.12, min_face=0.3):
    """The largest strip of `photo` above, below, left or right of its labelled face (the box grown
    `margin` times, for hair and chin), or None when no strip holds min_share of the photo, or when
    the face is narrower than min_face of the photo: a crowd or street photo, whose other people
    (masked ones most, which the published detector misses) would be taught as no face."""
    if face['w'] < min_face * photo.width:
        return None
    x0, x1 = face['cx'] - margin * face['w'] / 2, face['cx'] + margin * face['w'] / 2
    y0, y1 = face['cy'] - margin * face['h'] / 2, face['cy'] + margin * face['h'] / 2
    W, H = photo.size
    strips = [(0, 0, W, y0), (0, y1, W, H), (0, 0, x0, H), (x1, 0, W, H)]
    strips = [tuple(int(round(min(max(v, 0), lim))) for v, lim in zip(b, (W, H, W, H))) for b in strips]
    best = max(strips, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    w, h = best[2] - best[0], best[3] - best[1]
    if min(w, h) < 24 or w * h < min_share * W * H:
        return None
    return photo.crop(best)


def measure(model, split, widths=(40, 60, 80, 100, 140), limit=None, seed=0):
    """Share of each class's labelled faces the model finds (score 0.5, the kiosk's camera line;
    whole frame, then the zoom region) at each face width in a 640x480 camera frame."""
    teacher = BlazeFace(BASE).eval()
    items = labels(teacher, split, os.path.join(os.path.dirname(__file__), '.cache', f'detector-labels-{split}.json'))
    rng = np.random.default_rng(seed)
    result = {}
    for cls in CLASSES:
        its = [it for it in items if it['cls'] == cls][:limit]
        found = {w: 0 for w in widths}
        for it in its:
            photo = Image.open(os.path.join(DATA, it['path'])).convert('RGB')
            for w in widths:
                centre = (FRAME_W / 2, FRAME_H * 0.4)
                frame, f = frame_with_face(photo, it, w, centre, rng)
                dets, lb = camera_detections(model, frame)
                if dets:
                    t = to_input(f, lb)
                    found[w] += any(abs(d['cx'] - t['cx']) < t['w'] / 2 and abs(d['cy'] - t['cy']) < t['h'] / 2 for d in dets)
        result[cls] = {w: round(found[w] / max(1, len(its)), 3) for w in widths}
        result[cls]['n'] = len(its)
    return result


def false_faces(model, n=300, seed=1):
    """Detections at 0.5 on camera frames with nobody in them: one plain colour each, with the
    camera's noise and JPEG."""
    rng = np.random.default_rng(seed)
    count = 0
    for i in range(n):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        frame = camera(Image.new('RGB', (FRAME_W, FRAME_H), colour), rng)
        arr, _ = letterbox(frame)
        count += len(detect(model, arr, 0.5))
    return count


def false_faces_beside(model, split='val', seed=1):
    """Detections at 0.5 on camera frames holding only the part of a photo beside its face (never
    trained on for val), the part 200 px on its longer side at the frame's centre; and how many
    frames were made."""
    teacher = BlazeFace(BASE).eval()
    items = labels(teacher, split, os.path.join(os.path.dirname(__file__), '.cache', f'detector-labels-{split}.json'))
    rng = np.random.default_rng(seed)
    count = frames = 0
    for it in items:
        part = beside_face(Image.open(os.path.join(DATA, it['path'])).convert('RGB'), it)
        if part is None:
            continue
        part = scaled(part, 200 / max(part.size))
        frame = Image.new('RGB', (FRAME_W, FRAME_H), BACKGROUND)
        frame.paste(part, ((FRAME_W - part.width) // 2, (FRAME_H - part.height) // 2))
        count += bool(camera_detections(model, camera(frame, rng))[0])
        frames += 1
    return {'frames': frames, 'withAFace': count}


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    teacher = BlazeFace(BASE).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = BlazeFace(BASE)
    cache = os.path.join(os.path.dirname(__file__), '.cache')
    items = labels(teacher, 'train', os.path.join(cache, 'detector-labels-train.json'))
    print(f'{len(items)} labelled training faces', flush=True)
    opt = torch.optim.Adam(student.parameters(), lr=args.lr)
    negatives = round(args.negatives * len(items))
    steps = args.epochs * math.ceil((len(items) + negatives) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps, pct_start=0.1)
    for epoch in range(args.epochs):
        loader = torch.utils.data.DataLoader(Frames(items, args.seed * 1000 + epoch, negatives, args.photo_parts), batch_size=args.batch, shuffle=True,
                                             num_workers=args.workers)
        student.train()
        t0, tot = time.time(), 0.0
        for x, pos, reg, kind in loader:
            with torch.no_grad():
                t_scores, t_boxes = teacher.raw(x)
            s_scores, s_boxes = student.raw(x)
            t_prob = torch.sigmoid(t_scores)
            # Beside a face, what the published detector scores under its still-image line is no face;
            # in an empty frame nothing is.
            kind = kind[:, None]
            t_prob = torch.where(kind == EMPTY, torch.zeros_like(t_prob),
                                 torch.where((kind == PHOTO_PART) & (t_prob < 0.3), torch.zeros_like(t_prob), t_prob))
            target = torch.where(pos > 0, torch.ones_like(pos), t_prob)
            weight = 1 + args.pos_weight * pos
            cls_loss = (F.binary_cross_entropy_with_logits(s_scores, target, reduction='none') * weight).sum() / x.shape[0]
            # Boxes and keypoints: the label's where the face is matched; elsewhere, wherever the
            # published detector already sees a face, its own (the keypoints tell the kiosk how far a
            # head is turned, and a fine-tune on labels alone drifts them towards frontal).
            keep = ((torch.sigmoid(t_scores) >= 0.3) & (pos == 0)).float()
            reg_target = torch.where(pos[..., None] > 0, reg, t_boxes)
            reg_weight = pos + keep
            box_loss = (F.smooth_l1_loss(s_boxes, reg_target, reduction='none', beta=1.0).sum(-1) * reg_weight).sum() / reg_weight.sum().clamp(min=1)
            loss = cls_loss + args.box_weight * box_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        print(f'epoch {epoch + 1}: loss {tot / len(loader):.3f} ({time.time() - t0:.0f} s)', flush=True)
        torch.save(student.state_dict(), os.path.join(args.out, 'student.pt'))
    model_dir = args.model_dir or args.out
    os.makedirs(model_dir, exist_ok=True)
    export_onnx(student, BASE, os.path.join(model_dir, 'model.onnx'))
    student.eval()
    difference = export_difference(student, os.path.join(model_dir, 'model.onnx'))
    print(f'exported graph against the module, ONNX Runtime: largest difference {difference:.1e}', flush=True)
    if difference > 1e-3:
        raise SystemExit(f'the exported graph does not answer as the trained module does ({difference})')
    report = {'val': measure(student, 'val', limit=args.measure_limit), 'falseFaces': false_faces(student),
              'besideFaces': false_faces_beside(student)}
    print(json.dumps(report), flush=True)
    base_sha = hashlib.sha256(open(BASE, 'rb').read()).hexdigest()
    record = {'version': args.version, 'base': {'file': 'models/blazeface/model.onnx', 'sha256': base_sha},
              'args': {k: v for k, v in vars(args).items() if k not in ('out', 'model_dir', 'measure', 'split')},
              'labelledTrainingFaces': len(items), 'val': report['val'],
              'falseFacesIn300PlainFrames': report['falseFaces'], 'valFramesBesideTheFaceWithAFaceFound': report['besideFaces']}
    json.dump(record, open(os.path.join(model_dir, 'training.json'), 'w'), indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', help='scratch folder for the checkpoint')
    ap.add_argument('--model-dir', help='where model.onnx and training.json go (default: --out)')
    ap.add_argument('--version', default='1.0.0')
    ap.add_argument('--measure')
    ap.add_argument('--split', default='val')
    ap.add_argument('--epochs', type=int, default=12)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=2e-4)
    ap.add_argument('--pos-weight', type=float, default=4.0)
    ap.add_argument('--box-weight', type=float, default=0.2)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--measure-limit', type=int, default=None)
    ap.add_argument('--photo-parts', type=float, default=0.0,
                    help='share of those frames showing part of a photo beside its face instead (measured, not shipped)')
    ap.add_argument('--negatives', type=float, default=0.0, help='frames with no labelled face, as a share of the labelled ones')
    args = ap.parse_args()
    if args.measure:
        torch.set_num_threads(args.threads)
        m = BlazeFace(BASE).eval()
        if args.measure.endswith('.pt'):
            m.load_state_dict(torch.load(args.measure))
        print(json.dumps({args.split: measure(m, args.split, limit=args.measure_limit), 'falseFaces': false_faces(m),
                          'besideFaces': false_faces_beside(m, args.split)}))
        return
    os.makedirs(args.out, exist_ok=True)
    train(args)


if __name__ == '__main__':
    main()
