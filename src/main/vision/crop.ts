// Square face crops around detector boxes. Training and the kiosk both crop through here, so
// the classifier sees faces framed exactly as it learned them.
import sharp, { type KernelEnum } from 'sharp';
import { rawInput, type RawImage } from './image';
import type { Box } from './detector';
import type { Resample } from './model-folder';

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

const KERNEL: Record<Resample, keyof KernelEnum> = {
  nearest: 'nearest',
  lanczos: 'lanczos3',
  bilinear: 'linear',
  bicubic: 'cubic',
};

/**
 * Cuts `region` out of the image and scales it to `size` x `size` RGB. Parts of the square that
 * fall outside the frame are black, as they are for the detector's letterbox.
 */
export async function cropSquare(
  image: RawImage,
  region: SquareRegion,
  size: number,
  resample: Resample = 'bilinear',
): Promise<Uint8Array> {
  const x0 = Math.max(0, region.x);
  const y0 = Math.max(0, region.y);
  const x1 = Math.min(image.width, region.x + region.side);
  const y1 = Math.min(image.height, region.y + region.side);
  if (x1 <= x0 || y1 <= y0) return new Uint8Array(size * size * 3);
  const scale = size / region.side;
  const left = Math.min(size - 1, Math.round((x0 - region.x) * scale));
  const top = Math.min(size - 1, Math.round((y0 - region.y) * scale));
  const width = Math.max(1, Math.min(size - left, Math.round((x1 - x0) * scale)));
  const height = Math.max(1, Math.min(size - top, Math.round((y1 - y0) * scale)));
  const out = await sharp(image.data, rawInput(image))
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .resize(width, height, { fit: 'fill', kernel: KERNEL[resample] })
    .extend({ left, top, right: size - left - width, bottom: size - top - height, background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer();
  return out;
}

/** Mean luma (Rec. 601) of an RGB crop, 0..1: enough to tell a face too dark to judge. */
export function meanLuminance(rgb: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3) sum += 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
  return rgb.length ? sum / (rgb.length / 3) / 255 : 0;
}
