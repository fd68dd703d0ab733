// Pure BlazeFace post-processing: SSD anchors, box/keypoint decoding and MediaPipe's weighted
// non-max suppression. Coordinates here are normalised to the 128x128 model input (0..1).

/** Landmark order of the short-range model, in the subject's left/right. */
export const KEYPOINT_NAMES = ['rightEye', 'leftEye', 'noseTip', 'mouth', 'rightEar', 'leftEar'] as const;
export type KeypointName = (typeof KEYPOINT_NAMES)[number];

export const INPUT_SIZE = 128;

/** One SSD feature map: a square grid with the same number of anchors in every cell. */
export interface AnchorLayer {
  grid: number;
  anchorsPerCell: number;
}

/**
 * MediaPipe's short-range face anchors (strides 8, 16, 16, 16; fixed anchor size): layers that
 * share a stride merge, giving a 16x16 grid with 2 anchors per cell and an 8x8 grid with 6.
 */
export const SHORT_RANGE_LAYERS: readonly AnchorLayer[] = [
  { grid: 16, anchorsPerCell: 2 },
  { grid: 8, anchorsPerCell: 6 },
];

/** Anchor centres as [x0, y0, x1, y1, ...], in the order the model emits its rows. */
export function generateAnchors(layers: readonly AnchorLayer[] = SHORT_RANGE_LAYERS): Float32Array {
  const total = layers.reduce((n, l) => n + l.grid * l.grid * l.anchorsPerCell, 0);
  const out = new Float32Array(total * 2);
  let i = 0;
  for (const { grid, anchorsPerCell } of layers) {
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        for (let a = 0; a < anchorsPerCell; a++) {
          out[i++] = (x + 0.5) / grid;
          out[i++] = (y + 0.5) / grid;
        }
      }
    }
  }
  return out;
}

export interface Detection {
  /** Centre and size, normalised. */
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** Six keypoints as [x, y] pairs, normalised, in KEYPOINT_NAMES order. */
  keypoints: Float32Array;
  score: number;
}

export const VALUES_PER_ANCHOR = 16;
// MediaPipe clips raw scores to ±100 before the sigmoid.
const SCORE_CLIP = 100;

export function sigmoid(x: number): number {
  const c = x > SCORE_CLIP ? SCORE_CLIP : Math.max(x, -SCORE_CLIP);
  return 1 / (1 + Math.exp(-c));
}

/**
 * Turns raw model rows into detections above `minScore`. `scores` holds one logit per anchor and
 * `boxes` 16 values per anchor (dx, dy, w, h, then six keypoint dx, dy), all in input pixels.
 * `anchorOffset` is the index of this output's first anchor in `anchors`.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  anchors: Float32Array,
  anchorOffset: number,
  minScore: number,
  out: Detection[] = [],
): Detection[] {
  const n = scores.length;
  // Compare in logit space: one log per call instead of an exp per anchor.
  const minLogit = Math.log(minScore / (1 - minScore));
  for (let i = 0; i < n; i++) {
    const logit = scores[i]!;
    if (!(logit >= minLogit)) continue;
    const a = (anchorOffset + i) * 2;
    const ax = anchors[a]!;
    const ay = anchors[a + 1]!;
    const b = i * VALUES_PER_ANCHOR;
    const keypoints = new Float32Array(12);
    for (let k = 0; k < 6; k++) {
      keypoints[k * 2] = ax + boxes[b + 4 + k * 2]! / INPUT_SIZE;
      keypoints[k * 2 + 1] = ay + boxes[b + 5 + k * 2]! / INPUT_SIZE;
    }
    out.push({
      cx: ax + boxes[b]! / INPUT_SIZE,
      cy: ay + boxes[b + 1]! / INPUT_SIZE,
      w: boxes[b + 2]! / INPUT_SIZE,
      h: boxes[b + 3]! / INPUT_SIZE,
      keypoints,
      score: sigmoid(logit),
    });
  }
  return out;
}

export function iou(a: Detection, b: Detection): number {
  const ix = Math.min(a.cx + a.w / 2, b.cx + b.w / 2) - Math.max(a.cx - a.w / 2, b.cx - b.w / 2);
  const iy = Math.min(a.cy + a.h / 2, b.cy + b.h / 2) - Math.max(a.cy - a.h / 2, b.cy - b.h / 2);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * MediaPipe's weighted NMS: take the best remaining detection and every other one overlapping it
 * by more than `iouThreshold`, replace the group by its score-weighted mean (box and keypoints),
 * keep the best score. Averaging steadies boxes from frame to frame, which plain NMS does not.
 */
export function weightedNms(detections: readonly Detection[], iouThreshold = 0.3): Detection[] {
  const remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const group: Detection[] = [];
    const rest: Detection[] = [];
    for (const d of remaining) (iou(best, d) > iouThreshold || d === best ? group : rest).push(d);
    let total = 0;
    let cx = 0,
      cy = 0,
      w = 0,
      h = 0;
    const keypoints = new Float32Array(12);
    for (const d of group) {
      total += d.score;
      cx += d.cx * d.score;
      cy += d.cy * d.score;
      w += d.w * d.score;
      h += d.h * d.score;
      for (let k = 0; k < 12; k++) keypoints[k]! += d.keypoints[k]! * d.score;
    }
    for (let k = 0; k < 12; k++) keypoints[k]! /= total;
    kept.push({ cx: cx / total, cy: cy / total, w: w / total, h: h / total, keypoints, score: best.score });
    remaining.length = 0;
    remaining.push(...rest);
  }
  return kept;
}
