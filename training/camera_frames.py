"""Camera frames made from face photos, as `scan --visits` makes them (src/cli/visits.ts): the
photo placed on a grey 640x480 frame at a share of its height, a little shake, light, sensor noise
and the camera's JPEG; then letterboxed into the detector's 128x128 input as detector.ts does,
or the kiosk's zoom region (the frame's centre, for faces the whole-frame pass misses).
Optionally the photo is first taken down to a small face and back up: a crowd face cut from a
wide photo and enlarged, the kind BlazeFace misses when masked.
"""
import io

import numpy as np
from PIL import Image, ImageEnhance

FRAME_W, FRAME_H = 640, 480
BACKGROUND = (0x5a, 0x64, 0x70)
ZOOM_REGION = (0.25, 0.1, 0.5, 0.6)  # pipeline.ts DEFAULT_PIPELINE_OPTIONS.zoomRegion


def place(photo, share, rng, degrade_to=None):
    """Returns the frame (PIL RGB) and the photo's rectangle in it (x, y, w, h)."""
    if degrade_to:
        small = max(8, int(degrade_to))
        scale = small / max(photo.size)
        if scale < 1:
            photo = photo.resize((max(1, round(photo.width * scale)), max(1, round(photo.height * scale))), Image.BILINEAR)
    side = FRAME_H * share
    scale = side / max(photo.size)
    w, h = max(1, round(photo.width * scale)), max(1, round(photo.height * scale))
    photo = photo.resize((w, h), Image.BICUBIC)
    photo = ImageEnhance.Brightness(photo).enhance(1 + rng.uniform(-0.1, 0.1))
    dx, dy = rng.uniform(-0.15, 0.15) * FRAME_W, rng.uniform(-0.1, 0.1) * FRAME_H
    left = int(round((FRAME_W - w) / 2 + dx))
    top = int(round((FRAME_H - h) / 2 + dy))
    frame = Image.new('RGB', (FRAME_W, FRAME_H), BACKGROUND)
    frame.paste(photo, (left, top))
    return frame, (left, top, w, h)


def camera(frame, rng):
    """Sensor noise (about 3 grey levels) and the camera's JPEG."""
    a = np.asarray(frame, dtype=np.int16)
    a = np.clip(a + rng.normal(0, 3, a.shape).round(), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, 'JPEG', quality=int(rng.integers(70, 85)))
    buf.seek(0)
    return Image.open(buf).convert('RGB')


def letterbox(frame, region=None):
    """The detector's input ([128, 128, 3] float in [-1, 1]) and the map input = frame * scale + offset."""
    if region is None:
        region = (0, 0, frame.width, frame.height)
    x, y, w, h = region
    scale = 128 / max(w, h)
    rw, rh = max(1, min(128, round(w * scale))), max(1, min(128, round(h * scale)))
    ox, oy = (128 - rw) // 2, (128 - rh) // 2
    crop = frame.crop((int(x), int(y), int(x + w), int(y + h))).resize((rw, rh), Image.BILINEAR)
    canvas = Image.new('RGB', (128, 128), (0, 0, 0))
    canvas.paste(crop, (ox, oy))
    arr = np.asarray(canvas, dtype=np.float32) / 127.5 - 1
    return arr, (rw / w, ox - x * rw / w, oy - y * rw / w)


def zoom_region(frame):
    zx, zy, zw, zh = ZOOM_REGION
    return (zx * frame.width, zy * frame.height, zw * frame.width, zh * frame.height)
