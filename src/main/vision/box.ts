// Face boxes compared across frames: the tracker follows a person by them, and the vision pipeline
// knows by them whose classification it may reuse.
import type { Box } from './detector';

/** Intersection over union of two boxes: 1 for the same box, 0 for boxes that do not touch. */
export function iou(a: Box, b: Box): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}
