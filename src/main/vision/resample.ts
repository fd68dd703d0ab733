// Per-frame resampling for the detector input and the face crops. sharp does every other image
// job in the product, but each sharp call costs 2 to 3 ms of fixed overhead on a 2-core CPU
// (measured: `npm run bench`), which alone would spend the whole frame budget; this does the two
// small resizes a frame needs in well under a millisecond, into buffers reused across frames.
import type { RawImage } from './image';

/** A square or rectangular window in source pixels; it may reach outside the image (black there). */
export interface SourceWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Tap positions along one axis: for each output pixel, `taps` source indices (-1 outside the
 * image), spread evenly across the source span the output pixel covers. Several taps per pixel
 * when shrinking average away aliasing; one tap (the nearest pixel) when enlarging.
 */
function axisTaps(start: number, span: number, outSize: number, limit: number, taps: number, stride: number, into: Int32Array): void {
  const step = span / outSize;
  let t = 0;
  for (let o = 0; o < outSize; o++) {
    for (let k = 0; k < taps; k++) {
      const p = Math.floor(start + (o + (k + 0.5) / taps) * step);
      // Stored as byte offsets (index x stride) so the inner loop only adds.
      into[t++] = p >= 0 && p < limit ? p * stride : -1;
    }
  }
}

/** Reusable scratch for `resampleWindow`, so steady-state frames allocate nothing. */
export class ResampleScratch {
  xs = new Int32Array(0);
  ys = new Int32Array(0);

  ensure(xLength: number, yLength: number): void {
    if (this.xs.length < xLength) this.xs = new Int32Array(xLength);
    if (this.ys.length < yLength) this.ys = new Int32Array(yLength);
  }
}

/**
 * Resamples `window` of the image into `out` (RGB, outWidth x outHeight), averaging up to 4x4
 * taps per output pixel. Parts of the window outside the image come out black.
 */
export function resampleWindow(
  image: RawImage,
  window: SourceWindow,
  outWidth: number,
  outHeight: number,
  out: Uint8Array,
  scratch: ResampleScratch = new ResampleScratch(),
): Uint8Array {
  const tx = Math.max(1, Math.min(4, Math.ceil(window.width / outWidth)));
  const ty = Math.max(1, Math.min(4, Math.ceil(window.height / outHeight)));
  scratch.ensure(outWidth * tx, outHeight * ty);
  const { xs, ys } = scratch;
  const { data, channels, width } = image;
  axisTaps(window.x, window.width, outWidth, image.width, tx, channels, xs);
  axisTaps(window.y, window.height, outHeight, image.height, ty, width * channels, ys);
  const inverse = 1 / (tx * ty);
  let o = 0;
  for (let oy = 0; oy < outHeight; oy++) {
    const yBase = oy * ty;
    for (let ox = 0; ox < outWidth; ox++) {
      const xBase = ox * tx;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < ty; j++) {
        const row = ys[yBase + j]!;
        if (row < 0) continue;
        for (let i = 0; i < tx; i++) {
          const col = xs[xBase + i]!;
          if (col < 0) continue;
          const p = row + col;
          r += data[p]!;
          g += data[p + 1]!;
          b += data[p + 2]!;
        }
      }
      out[o++] = r * inverse + 0.5;
      out[o++] = g * inverse + 0.5;
      out[o++] = b * inverse + 0.5;
    }
  }
  return out;
}
