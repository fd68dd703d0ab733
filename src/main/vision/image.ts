// Decoding and the raw-pixel image type every vision stage works on.

import sharp from 'sharp';
import { errorMessage } from '../../shared/errors';

/** Interleaved 8-bit pixels, row-major, top row first. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp'] as const;

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/**
 * Decodes a JPEG, PNG or WebP (file path or bytes) into RGB, applying EXIF orientation and
 * flattening transparency onto white, as the training data was prepared.
 */
export async function decodeImage(input: string | Uint8Array): Promise<RawImage> {
  let format: string | undefined;
  try {
    format = (await sharp(input).metadata()).format;
  } catch (err) {
    throw new ImageDecodeError(`not a readable image (${firstLine(err)})`);
  }
  if (!format || !(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
    throw new ImageDecodeError(`unsupported image format "${format ?? 'unknown'}" (JPEG, PNG or WebP expected)`);
  }
  try {
    const { data, info } = await sharp(input, { failOn: 'error' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels === 4 ? 4 : 3 };
  } catch (err) {
    throw new ImageDecodeError(`corrupt ${format.toUpperCase()} image (${firstLine(err)})`);
  }
}

function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? 'unknown error';
}
