"""Synthetic edits drawn on face crops from the detector's keypoints.

Masks drawn onto bare faces (label: mask) widen the shapes and colours the model sees.
Occlusions that are NOT masks (label: no_mask): a hand or a phone over the mouth, a scarf-like
band under the mouth, a beard. People fool mask detectors with exactly those, so the model must
learn that "something covers the mouth" is not the same as "a mask covers nose and mouth".

Coordinates: keypoints are fractions of the exported crop (0..1), as export-crops writes them.
"""
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _pt(kp, name, size):
    x, y = kp[name]
    return np.array([x * size, y * size], dtype=np.float32)


class Face:
    """Face geometry in crop pixels, derived from the six BlazeFace keypoints."""

    def __init__(self, keypoints, size):
        self.size = size
        re, le = _pt(keypoints, 'rightEye', size), _pt(keypoints, 'leftEye', size)
        self.eyes = (re + le) / 2
        self.nose = _pt(keypoints, 'noseTip', size)
        self.mouth = _pt(keypoints, 'mouth', size)
        rear, lear = _pt(keypoints, 'rightEar', size), _pt(keypoints, 'leftEar', size)
        d = le - re
        self.roll = math.atan2(d[1], d[0])
        eye_dist = max(4.0, float(np.hypot(*d)))
        self.width = max(float(np.hypot(*(lear - rear))), 1.6 * eye_dist)
        self.centre_x = float((rear[0] + lear[0]) / 2)
        # Vertical unit along the face (perpendicular to the eye line), pointing down.
        self.down = np.array([-math.sin(self.roll), math.cos(self.roll)], dtype=np.float32)
        self.right = np.array([math.cos(self.roll), math.sin(self.roll)], dtype=np.float32)
        self.nose_len = max(3.0, float(np.dot(self.nose - self.eyes, self.down)))
        self.mouth_len = max(3.0, float(np.dot(self.mouth - self.nose, self.down)))

    def at(self, across, down_from_eyes):
        """A point `across` (fraction of face width from the centre line) and `down` px below the eyes."""
        centre = self.eyes + self.right * (self.centre_x - self.eyes[0]) * 0.5
        return centre + self.right * across * self.width + self.down * down_from_eyes


def _colour(rng):
    kind = rng.random()
    if kind < 0.35:  # surgical blue-green
        return tuple(int(v) for v in (rng.uniform(120, 200), rng.uniform(170, 225), rng.uniform(200, 245)))
    if kind < 0.55:  # white / light grey
        g = rng.uniform(200, 250)
        return (int(g), int(g), int(g - rng.uniform(0, 10)))
    if kind < 0.75:  # black / dark
        g = rng.uniform(15, 70)
        return (int(g), int(g), int(g))
    return tuple(int(rng.uniform(20, 240)) for _ in range(3))  # any fabric colour


def _texture(size, base, rng):
    """A fabric-like fill: plain, striped, dotted or noisy, around a base colour."""
    arr = np.empty((size, size, 3), dtype=np.float32)
    arr[:] = base
    style = rng.random()
    yy, xx = np.mgrid[0:size, 0:size]
    if style < 0.25:
        period = rng.uniform(4, 12)
        stripe = (np.sin((xx * rng.uniform(-1, 1) + yy) / period * math.pi) > 0)[..., None]
        other = np.array(_colour(rng), dtype=np.float32)
        arr = np.where(stripe, arr, other)
    elif style < 0.4:
        period = int(rng.uniform(6, 14))
        dots = (((xx % period) - period / 2) ** 2 + ((yy % period) - period / 2) ** 2 < (period / 4) ** 2)[..., None]
        arr = np.where(dots, np.array(_colour(rng), dtype=np.float32), arr)
    arr += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 10), arr.shape).astype(np.float32)
    return np.clip(arr, 0, 255)


def _composite(img, fill, alpha):
    a = (np.asarray(alpha, dtype=np.float32) / 255.0)[..., None]
    return (img * (1 - a) + fill * a).astype(np.uint8)


def _shade(fill, face, rng):
    """Light falling from above-ish: a soft vertical gradient so the mask is not a flat sticker."""
    size = fill.shape[0]
    yy = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    strength = rng.uniform(0.05, 0.3)
    return np.clip(fill * (1 - strength * yy + strength / 2), 0, 255)


def _fabric(img, f, pts, rng):
    """The polygon filled with a shaded fabric, soft-edged, over the face: (image, fill colours)."""
    size = img.shape[0]
    alpha = Image.new('L', (size, size), 0)
    ImageDraw.Draw(alpha).polygon([tuple(p) for p in pts], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    fill = _shade(_texture(size, _colour(rng), rng), f, rng)
    return Image.fromarray(_composite(img.astype(np.float32), fill, alpha)), fill


def _render_mask(img, f, pts, top, bottom, half, rng):
    """Fills the polygon with a fabric, pleats and ear loops; shared by every way of wearing it."""
    size = img.shape[0]
    pil, fill = _fabric(img, f, pts, rng)
    draw = ImageDraw.Draw(pil)
    if rng.random() < 0.5:  # pleats
        centre = f.at(0, (top + bottom) / 2)
        cy, cx = int(min(size - 1, max(0, centre[1]))), int(min(size - 1, max(0, centre[0])))
        dark = tuple(int(c * 0.75) for c in fill[cy, cx])
        for k in range(rng.randint(2, 3)):
            d = top + (bottom - top) * (0.3 + 0.2 * k)
            draw.line([tuple(f.at(-half * 0.85, d)), tuple(f.at(half * 0.85, d))], fill=dark, width=1)
    if rng.random() < 0.6:  # ear loops
        loop = (235, 235, 235) if rng.random() < 0.6 else (40, 40, 40)
        for side in (-1, 1):
            draw.line([tuple(f.at(side * half, top + f.nose_len * 0.2)), tuple(f.at(side * 0.55, -f.nose_len * 0.1))], fill=loop, width=1)
    return np.asarray(pil)


def _mask_outline(f, top, bottom, half, rng, bridge=True):
    """Top edge (arched over the nose bridge when it sits there), sides, rounded or pointed bottom."""
    pts = []
    for t in np.linspace(-1, 1, 9):
        arch = (1 - t * t) * f.nose_len * (rng.uniform(0.05, 0.25) if bridge else rng.uniform(-0.05, 0.08))
        pts.append(f.at(t * half, top - arch + abs(t) * f.nose_len * (0.25 if bridge else 0.1)))
    shape = rng.random()
    for t in np.linspace(1, -1, 11):
        if shape < 0.7:
            depth = bottom - (t * t) * f.mouth_len * rng.uniform(0.8, 1.6)
        else:
            depth = bottom - abs(t) * f.mouth_len * 1.6
        pts.append(f.at(t * half * (0.9 + 0.1 * (1 - t * t)), depth))
    return pts


def draw_mask(img: np.ndarray, keypoints, rng: random.Random) -> np.ndarray:
    """A face mask worn right: nose bridge to chin, cheek to cheek."""
    f = Face(keypoints, img.shape[0])
    top = f.nose_len * rng.uniform(0.25, 0.65)
    bottom = f.nose_len + f.mouth_len * rng.uniform(2.2, 3.2)
    half = rng.uniform(0.36, 0.5)
    return _render_mask(img, f, _mask_outline(f, top, bottom, half, rng), top, bottom, half, rng)


def _draw_worn_low(img, keypoints, rng, top_in_mouth_lengths, bottom_in_mouth_lengths, half_width):
    """A mask whose top edge sits below the nose tip: no arch over a nose bridge."""
    f = Face(keypoints, img.shape[0])
    top = f.nose_len + f.mouth_len * rng.uniform(*top_in_mouth_lengths)
    bottom = f.nose_len + f.mouth_len * rng.uniform(*bottom_in_mouth_lengths)
    half = rng.uniform(*half_width)
    return _render_mask(img, f, _mask_outline(f, top, bottom, half, rng, bridge=False), top, bottom, half, rng)


def draw_mask_below_nose(img: np.ndarray, keypoints, rng: random.Random) -> np.ndarray:
    """Worn wrong: the top edge under the nose tip, nostrils bare, mouth (mostly) covered."""
    return _draw_worn_low(img, keypoints, rng, (0.2, 0.55), (2.4, 3.4), (0.36, 0.5))


def draw_mask_on_chin(img: np.ndarray, keypoints, rng: random.Random) -> np.ndarray:
    """Worn wrong: pulled down below the lips onto the chin, nose and mouth bare."""
    return _draw_worn_low(img, keypoints, rng, (1.25, 1.7), (3.0, 3.9), (0.38, 0.52))


def draw_mask_one_ear(img: np.ndarray, keypoints, rng: random.Random) -> np.ndarray:
    """Worn wrong: hanging from one ear beside the jaw, nose and mouth bare."""
    size = img.shape[0]
    f = Face(keypoints, size)
    side = rng.choice((-1, 1))
    ear = f.at(side * 0.45, f.nose_len * rng.uniform(0.5, 0.9))
    length = (f.nose_len + f.mouth_len * 2.5) * rng.uniform(0.8, 1.1)
    width = f.width * rng.uniform(0.25, 0.35)
    # Hangs down along the jaw from the ear, its inner edge outside the mouth corner.
    a = rng.uniform(-0.05, 0.3) * side
    down = np.array([math.sin(a), math.cos(a)], dtype=np.float32) @ np.array([[f.right[0], f.right[1]], [f.down[0], f.down[1]]], dtype=np.float32)
    across = -np.array([down[1], -down[0]], dtype=np.float32) * side
    start = ear + down * length * 0.1
    pts = [start, start + across * width, start + across * width * 0.9 + down * length, start + down * length * 0.95]
    pil, _ = _fabric(img, f, pts, rng)
    if rng.random() < 0.7:
        loop = (235, 235, 235) if rng.random() < 0.6 else (40, 40, 40)
        ImageDraw.Draw(pil).line([tuple(start), tuple(f.at(side * 0.55, -f.nose_len * 0.1))], fill=loop, width=1)
    return np.asarray(pil)


INCORRECT = (draw_mask_below_nose, draw_mask_below_nose, draw_mask_on_chin, draw_mask_one_ear)


def _skin(img, f):
    """The face's own skin colour, from the cheek just beside the nose."""
    x, y = (f.nose + f.eyes) / 2
    x0, y0 = int(max(0, x - 3)), int(max(0, y - 3))
    patch = img[y0:y0 + 6, x0:x0 + 6].reshape(-1, 3)
    return patch.mean(axis=0) if len(patch) else np.array([180, 140, 120], dtype=np.float32)


def draw_hand(img, keypoints, rng):
    size = img.shape[0]
    f = Face(keypoints, size)
    skin = _skin(img.astype(np.float32), f) * rng.uniform(0.85, 1.1)
    alpha = Image.new('L', (size, size), 0)
    d = ImageDraw.Draw(alpha)
    centre = f.at(rng.uniform(-0.15, 0.15), f.nose_len + f.mouth_len * rng.uniform(0.6, 1.4))
    rx, ry = f.width * rng.uniform(0.22, 0.35), f.mouth_len * rng.uniform(0.8, 1.4)
    d.ellipse([centre[0] - rx, centre[1] - ry, centre[0] + rx, centre[1] + ry], fill=255)
    # Fingers reaching up or sideways from the palm.
    angle = rng.uniform(-math.pi, 0)
    for k in range(4):
        a = angle + (k - 1.5) * 0.25
        tip = centre + np.array([math.cos(a), math.sin(a)]) * rx * rng.uniform(1.6, 2.2)
        d.line([tuple(centre), tuple(tip)], fill=255, width=max(2, int(rx * 0.35)))
    alpha = alpha.filter(ImageFilter.GaussianBlur(1))
    fill = _shade(np.clip(np.full((size, size, 3), skin, dtype=np.float32) + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 4, (size, size, 3)), 0, 255), f, rng)
    return _composite(img.astype(np.float32), fill, alpha)


def draw_phone(img, keypoints, rng):
    size = img.shape[0]
    f = Face(keypoints, size)
    c = f.at(rng.uniform(-0.25, 0.25), f.nose_len + f.mouth_len * rng.uniform(0.3, 1.2))
    w, h = f.width * rng.uniform(0.25, 0.4), f.mouth_len * rng.uniform(2.0, 3.5)
    a = rng.uniform(-0.6, 0.6)
    corners = [np.array([x, y]) for x, y in ((-w, -h), (w, -h), (w, h), (-w, h))]
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = [tuple(c + rot @ p / 2) for p in corners]
    alpha = Image.new('L', (size, size), 0)
    ImageDraw.Draw(alpha).polygon(pts, fill=255)
    g = rng.uniform(10, 60)
    fill = np.full((size, size, 3), (g, g, g + rng.uniform(0, 20)), dtype=np.float32)
    return _composite(img.astype(np.float32), fill, alpha)


def draw_scarf(img, keypoints, rng):
    """A band worn low: under the lower lip down past the chin, nose and mouth left bare."""
    size = img.shape[0]
    f = Face(keypoints, size)
    top = f.nose_len + f.mouth_len * rng.uniform(0.5, 1.0)
    pts = [f.at(-0.7, top), f.at(0.7, top), f.at(0.7, top + size), f.at(-0.7, top + size)]
    alpha = Image.new('L', (size, size), 0)
    ImageDraw.Draw(alpha).polygon([tuple(p) for p in pts], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(1))
    fill = _shade(_texture(size, _colour(rng), rng), f, rng)
    return _composite(img.astype(np.float32), fill, alpha)


def draw_beard(img, keypoints, rng):
    size = img.shape[0]
    f = Face(keypoints, size)
    pts = []
    for t in np.linspace(-1, 1, 9):
        pts.append(f.at(t * 0.42, f.nose_len + f.mouth_len * 0.35 + abs(t) * f.nose_len * 0.2))
    for t in np.linspace(1, -1, 9):
        pts.append(f.at(t * 0.42, f.nose_len + f.mouth_len * rng.uniform(2.0, 2.8) * (1 - 0.3 * t * t)))
    alpha = Image.new('L', (size, size), 0)
    d = ImageDraw.Draw(alpha)
    d.polygon([tuple(p) for p in pts], fill=int(rng.uniform(170, 245)))
    # Lips stay visible through the beard.
    m = f.mouth
    mw, mh = f.width * 0.12, f.mouth_len * 0.25
    d.ellipse([m[0] - mw, m[1] - mh, m[0] + mw, m[1] + mh], fill=0)
    alpha = alpha.filter(ImageFilter.GaussianBlur(1.2))
    g = rng.uniform(15, 90)
    base = np.array([g * 1.1, g * 0.85, g * 0.7], dtype=np.float32)
    hair = np.clip(base + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 18, (size, size, 3)), 0, 255)
    return _composite(img.astype(np.float32), hair, alpha)


OCCLUSIONS = (draw_hand, draw_phone, draw_scarf, draw_beard)


def _affine_from(src_pts, dst_pts):
    """The affine map taking three source points to three destination points, as PIL wants it
    (destination -> source coefficients)."""
    a = np.array([[x, y, 1.0] for x, y in dst_pts])
    bx = np.array([p[0] for p in src_pts])
    by = np.array([p[1] for p in src_pts])
    cx = np.linalg.solve(a, bx)
    cy = np.linalg.solve(a, by)
    return tuple(cx) + tuple(cy)


def transplant_mask(img, keypoints, donor, donor_keypoints, rng, worn_wrong=False):
    """A real mask, cut from a photo of someone wearing one (donor), laid onto a bare face by the
    two faces' eyes and mouth. Worn right it covers the nose (label: mask); worn wrong it is
    pushed down until the nose tip shows (label: incorrect). Real masks this way teach both
    classes what real masks look like, so "drawn" is no cue for either."""
    size = img.shape[0]
    f, d = Face(keypoints, size), Face(donor_keypoints, donor.shape[0])
    # The part of the face a mask covers, in target coordinates, from just below the eyes (worn
    # right) or just below the nose tip (worn wrong) down past the chin.
    top = f.nose_len * (rng.uniform(0.35, 0.55) if not worn_wrong else 1.0 + rng.uniform(0.15, 0.35) * f.mouth_len / f.nose_len)
    bottom = f.nose_len + f.mouth_len * rng.uniform(2.6, 3.4)
    # Worn wrong, the donor's mask is moved down so that its upper part (about 0.6 nose lengths
    # below the donor's eyes) starts where the target's nose ends.
    shift = (top / f.nose_len - rng.uniform(0.55, 0.7)) * d.nose_len if worn_wrong else 0.0
    # Map target points to donor points; a wrong fit is moved down along the donor's face.
    dst = [tuple(_pt(keypoints, 'rightEye', size)), tuple(_pt(keypoints, 'leftEye', size)), tuple(f.mouth)]
    src = [tuple(_pt(donor_keypoints, 'rightEye', donor.shape[0]) - d.down * shift), tuple(_pt(donor_keypoints, 'leftEye', donor.shape[0]) - d.down * shift), tuple(d.mouth - d.down * shift)]
    warped = Image.fromarray(donor).transform((size, size), Image.AFFINE, _affine_from(src, dst), resample=Image.BILINEAR)
    half = rng.uniform(0.4, 0.5)
    pts = _mask_outline(f, top, bottom, half, rng, bridge=not worn_wrong)
    alpha = Image.new('L', (size, size), 0)
    ImageDraw.Draw(alpha).polygon([tuple(p) for p in pts], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 2.0)))
    return _composite(img.astype(np.float32), np.asarray(warped, dtype=np.float32), alpha)


def usable_donor(img, keypoints):
    """A masked face whose lower half lies inside its photo (no black padding where the mask is)."""
    size = img.shape[0]
    f = Face(keypoints, size)
    ys = [f.at(t, f.nose_len * 0.5)[1] for t in (-0.45, 0.45)] + [f.at(0, f.nose_len + f.mouth_len * 3.2)[1]]
    xs = [f.at(t, f.nose_len)[0] for t in (-0.5, 0.5)]
    y0, y1 = int(max(0, min(ys))), int(min(size, max(ys)))
    x0, x1 = int(max(0, min(xs))), int(min(size, max(xs)))
    if y1 - y0 < 8 or x1 - x0 < 8:
        return False
    region = img[y0:y1, x0:x1]
    return float((region.max(axis=2) < 8).mean()) < 0.02


def _forehead_stats(img, f):
    """Mean and spread of the skin between the eyes and the hairline: the part of a masked face a
    mask never covers, so the pasted lower face can take its colour."""
    size = img.shape[0]
    c = f.eyes - f.down * f.nose_len * 0.6
    r = max(2, int(f.nose_len * 0.35))
    x, y = int(c[0]), int(c[1])
    patch = img[max(0, y - r):min(size, y + r), max(0, x - 2 * r):min(size, x + 2 * r)].reshape(-1, 3).astype(np.float32)
    if len(patch) < 4:
        return None
    return patch.mean(axis=0), patch.std(axis=0) + 1.0


def unmask_face(img, keypoints, donor, donor_keypoints, rng, nose_only=False):
    """A bare lower face (nose, mouth, chin), cut from a photo of someone without a mask (donor),
    laid over the mask of a masked face by the two faces' eyes and mouth, in the masked face's
    skin colour (label: no mask). Masked training photos come from other sources than bare ones
    (other cameras, people, places); without this, everything about such a photo except the
    mask itself says "mask". With nose_only, only the donor's nose goes over the mask's upper
    part and the real mask stays over the mouth: a real mask pulled below the nose (label:
    incorrect), where otherwise every mask worn wrong is drawn on a bare face. Returns None when
    the masked face shows too little to match."""
    size = img.shape[0]
    f, d = Face(keypoints, size), Face(donor_keypoints, donor.shape[0])
    target = _forehead_stats(img, f)
    source = _forehead_stats(donor, d)
    if target is None or source is None:
        return None
    dst = [tuple(_pt(keypoints, 'rightEye', size)), tuple(_pt(keypoints, 'leftEye', size)), tuple(f.mouth)]
    src = [tuple(_pt(donor_keypoints, 'rightEye', donor.shape[0])), tuple(_pt(donor_keypoints, 'leftEye', donor.shape[0])), tuple(d.mouth)]
    warped = np.asarray(Image.fromarray(donor).transform((size, size), Image.AFFINE, _affine_from(src, dst), resample=Image.BILINEAR), dtype=np.float32)
    # Colour transfer, per channel: the donor's skin statistics become the target's.
    (tm, ts), (sm, ss) = target, source
    strength = rng.uniform(0.6, 1.0)
    matched = (warped - sm) * (1 + strength * (ts / ss - 1)) + sm + strength * (tm - sm)
    # Everything a mask covers, a little wider and deeper so that no edge of it shows.
    top = f.nose_len * rng.uniform(0.15, 0.35)
    if nose_only:
        # The mask's new top edge: just under the nose tip, straight across, sagging a little.
        half = rng.uniform(0.4, 0.48)
        bottom = f.nose_len + f.mouth_len * rng.uniform(0.15, 0.45)
        sag = f.mouth_len * rng.uniform(0.0, 0.3)
        pts = _mask_outline(f, top, bottom, half, rng)[:9] + [f.at(t * half, bottom + (1 - t * t) * sag) for t in np.linspace(1, -1, 9)]
        blur = rng.uniform(0.03, 0.08)
    else:
        bottom = f.nose_len + f.mouth_len * rng.uniform(3.0, 3.8)
        half = rng.uniform(0.5, 0.6)
        pts = _mask_outline(f, top, bottom, half, rng)
        blur = rng.uniform(0.08, 0.2)
    alpha = Image.new('L', (size, size), 0)
    ImageDraw.Draw(alpha).polygon([tuple(p) for p in pts], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(max(1.0, f.nose_len * blur)))
    return _composite(img.astype(np.float32), np.clip(matched, 0, 255), alpha)

