"""Camera frames as `scan --visits` makes them (src/cli/visits.ts): a 640x480 frame, grey by
default, with sensor noise and the camera's JPEG; and their way into the detector's 128x128 input
as detector.ts letterboxes them, the whole frame or the kiosk's zoom region (the frame's centre,
searched again for faces the whole-frame pass misses).
"""
import io

import numpy as np
from PIL import Image

FRAME_W, FRAME_H = 640, 480
BACKGROUND = (0x5a, 0x64, 0x70)
ZOOM_REGION = (0.25, 0.1, 0.5, 0.6)  # pipeline.ts DEFAULT_PIPELINE_OPTIONS.zoomRegion


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


def zoom_region(width=FRAME_W, height=FRAME_H):
    """The zoom region of a width x height frame, as (x, y, w, h) in pixels."""
    zx, zy, zw, zh = ZOOM_REGION
    return (zx * width, zy * height, zw * width, zh * height)
