// The patch the nose check looks at: a small square over the nose, placed by the detector's
// keypoints and turned upright by the eye line. A mask worn below the nose leaves exactly this
// region bare while the rest of the face still looks masked, which is why the whole-face
// classifier misses it. Training (training/nose-patches.ts) and the kiosk cut patches here.
import { z } from 'zod';
import type { KeypointName } from './blazeface-decode';
import type { Point } from './detector';
import type { RawImage } from './image';

/** A geometry as a check's config.json names it and training accepts it: one schema for both. */
export const NosePatchGeometrySchema = z.object({
  /** Patch side in eye distances. */
  side: z.number().gt(0).max(3),
  /** Patch centre above the nose tip, in eye distances (towards the forehead, along the face's own up). */
  above: z.number().min(-1).max(1),
});
export type NosePatchGeometry = z.infer<typeof NosePatchGeometrySchema>;

// The geometry new checks are trained with; each check's config.json names its own. It covers the
// nose from 0.3 eye distances below its tip to the bridge: a correct mask hides the nose, a mask
// below the nose leaves it and the mask's top edge in view. Reaching that far below the tip keeps
// the nostrils in the patch when BlazeFace, at camera scale (a face 40 px wide in its 128 px
// input), puts the tip a seventh of an eye distance too high; a patch ending just under the tip
// then showed only the bridge. Eyes stay out, so the patch cannot answer from them.
export const NOSE_PATCH_GEOMETRY: NosePatchGeometry = { side: 0.8, above: 0.1 };

/** Where the patch lies in the image: its centre, side in pixels and the eye line's angle (radians). */
export interface PatchPlacement {
  cx: number;
  cy: number;
  side: number;
  angle: number;
}

export function placeNosePatch(keypoints: Record<KeypointName, Point>, geometry: NosePatchGeometry): PatchPlacement {
  const { rightEye, leftEye, noseTip } = keypoints;
  // The person's right eye is on the image's left: right -> left eye points along the face's +x.
  const dx = leftEye.x - rightEye.x;
  const dy = leftEye.y - rightEye.y;
  const eyes = Math.max(1e-6, Math.hypot(dx, dy));
  const angle = Math.atan2(dy, dx);
  // The face's up is the eye line turned a quarter anticlockwise on screen.
  const upX = dy / eyes;
  const upY = -dx / eyes;
  return {
    cx: noseTip.x + geometry.above * eyes * upX,
    cy: noseTip.y + geometry.above * eyes * upY,
    side: geometry.side * eyes,
    angle,
  };
}

/**
 * Samples `placement` upright into `out` (RGB, size x size): bilinear, 2 x 2 samples per output
 * pixel so that a patch shrunk from a large face does not alias. Outside the image is black,
 * as for the face crops.
 */
export function samplePatch(image: RawImage, placement: PatchPlacement, size: number, out = new Uint8Array(size * size * 3)): Uint8Array {
  const { data, width, height, channels } = image;
  const cos = Math.cos(placement.angle);
  const sin = Math.sin(placement.angle);
  const step = placement.side / size;
  // Source offsets of one output step along the patch's x (eye line) and y (downwards on the face).
  const xx = cos * step;
  const xy = sin * step;
  const yx = -sin * step;
  const yy = cos * step;
  let o = 0;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sj = 0; sj < 2; sj++) {
        for (let si = 0; si < 2; si++) {
          const u = i + (si + 0.5) / 2 - size / 2;
          const v = j + (sj + 0.5) / 2 - size / 2;
          // Pixel centres sit at +0.5: shift to index space before interpolating.
          const x = placement.cx + u * xx + v * yx - 0.5;
          const y = placement.cy + u * xy + v * yy - 0.5;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          for (let k = 0; k < 4; k++) {
            const px = x0 + (k & 1);
            const py = y0 + (k >> 1);
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
            const p = (py * width + px) * channels;
            r += w * data[p]!;
            g += w * data[p + 1]!;
            b += w * data[p + 2]!;
          }
        }
      }
      out[o++] = r / 4 + 0.5;
      out[o++] = g / 4 + 0.5;
      out[o++] = b / 4 + 0.5;
    }
  }
  return out;
}
