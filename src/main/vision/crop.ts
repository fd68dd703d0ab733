// Square face crops around detector boxes. Training and the kiosk both crop through here, so
// the classifier sees faces framed exactly as it learned them.

import type { Box } from './detector';
import type { RawImage } from './image';
import { type ResampleScratch, resampleWindow } from './resample';

export interface SquareRegion {
  x: number;
  y: number;
  side: number;
}

/** A square centred on the box, its side the box's longer side grown by `margin` (0.2 = +20 %). */
export function squareAround(box: Box, margin: number): SquareRegion {
  const side = Math.max(1, Math.round(Math.max(box.width, box.height) * (1 + margin)));
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { x: Math.round(cx - side / 2), y: Math.round(cy - side / 2), side };
}

/**
 * Cuts `region` out of the image and scales it to `size` x `size` RGB, into `out` when given (a
 * buffer reused across frames). Parts of the square that fall outside the frame are black, as
 * they are for the detector's letterbox.
 */
export function cropSquare(image: RawImage, region: SquareRegion, size: number, out?: Uint8Array, scratch?: ResampleScratch): Uint8Array {
  const target = out && out.length === size * size * 3 ? out : new Uint8Array(size * size * 3);
  return resampleWindow(image, { x: region.x, y: region.y, width: region.side, height: region.side }, size, size, target, scratch);
}

/** Mean luma (Rec. 601) of an RGB crop, 0..1: enough to tell a face too dark to judge. */
export function meanLuminance(rgb: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3) sum += 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
  return rgb.length ? sum / (rgb.length / 3) / 255 : 0;
}
