// Reads a classifier folder in the Hugging Face Optimum layout. Everything the kiosk needs to
// know about a model comes from these files, never from per-architecture defaults, so any
// image-classification export drops in.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';

export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}

const ConfigJson = z.object({
  id2label: z.record(z.string().regex(/^\d+$/, 'keys must be class numbers'), z.string().min(1)),
  _name_or_path: z.string().optional(),
  /** This project's models carry a version, so every log line and violation names the exact model. */
  model_version: z.string().max(40).optional(),
  model_type: z.string().optional(),
});

const Size = z.union([
  z.number().int().positive(),
  z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
  z.object({ shortest_edge: z.number().int().positive() }),
]);

const Triple = z.array(z.number()).length(3, 'must be 3 numbers, one per RGB channel');

const PreprocessorJson = z.object({
  do_resize: z.boolean().optional(),
  size: Size.optional(),
  resample: z.number().int().min(0).max(5).optional(),
  do_rescale: z.boolean().optional(),
  rescale_factor: z.number().positive().optional(),
  do_normalize: z.boolean().optional(),
  image_mean: Triple.optional(),
  image_std: Triple.refine((a) => a.every((v) => v > 0), 'must be positive').optional(),
  do_center_crop: z.boolean().optional(),
  crop_size: Size.optional(),
  crop_pct: z.number().positive().max(1).optional(),
});

const CalibrationJson = z.object({ temperature: z.number().positive() });

/** PIL resampling filters as numbered in preprocessor_config.json. */
export type Resample = 'nearest' | 'lanczos' | 'bilinear' | 'bicubic';
const RESAMPLE: Record<number, Resample> = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'bilinear', 5: 'bilinear' };

export interface Preprocessing {
  /** The square face crop is resized to this side first... */
  resizeTo: number;
  /** ...then centre-cropped to this side, the model's input size. */
  inputSize: number;
  /**
   * The filter the model was trained with. Read and reported, but the kiosk crops every model's
   * faces with its own area sampling (resample.ts): at these sizes the difference is small,
   * and one crop routine keeps training and the kiosk identical.
   */
  resample: Resample;
  /** Per channel: value = pixel * scale[c] + offset[c], folding rescale, mean and std together. */
  scale: [number, number, number];
  offset: [number, number, number];
}

export interface ModelFolder {
  folder: string;
  /** Human-readable id: the folder name, plus the source model when config.json names it. */
  id: string;
  modelPath: string;
  id2label: Record<string, string>;
  labels: string[];
  preprocessing: Preprocessing;
  /** Logits are divided by this before softmax; 1 when the folder has no calibration.json. */
  temperature: number;
}

function readJson<T>(folder: string, file: string, schema: z.ZodType<T>, required: boolean): T | undefined {
  const path = join(folder, file);
  if (!existsSync(path)) {
    if (required) throw new ModelFolderError(`${path}: file is missing.`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ModelFolderError(`${path}: not valid JSON (${(err as Error).message}).`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ModelFolderError(`${path}: field "${field}": ${issue.message}.`);
  }
  return parsed.data;
}

function sideOf(size: z.infer<typeof Size>, file: string, field: string): number {
  if (typeof size === 'number') return size;
  if ('shortest_edge' in size) return size.shortest_edge;
  if (size.height !== size.width) {
    throw new ModelFolderError(
      `${file}: field "${field}": non-square input ${size.width}x${size.height} is not supported (face crops are square).`,
    );
  }
  return size.height;
}

export function preprocessingFrom(p: z.infer<typeof PreprocessorJson>, file = 'preprocessor_config.json'): Preprocessing {
  if (p.do_resize !== false && !p.size) throw new ModelFolderError(`${file}: field "size" is missing.`);
  const size = p.size ? sideOf(p.size, file, 'size') : undefined;
  let resizeTo = size ?? 0;
  let inputSize = resizeTo;
  if (p.do_center_crop) {
    if (p.crop_size) {
      inputSize = sideOf(p.crop_size, file, 'crop_size');
    } else if (p.crop_pct && size) {
      // ConvNeXt style: resize to size / crop_pct, then crop back to size.
      resizeTo = Math.floor(size / p.crop_pct);
      inputSize = size;
    }
  }
  if (!resizeTo || !inputSize) throw new ModelFolderError(`${file}: cannot tell the input size from "size"/"crop_size".`);
  if (inputSize > resizeTo) resizeTo = inputSize;
  // Transformers' documented defaults when a field is absent.
  const rescale = p.do_rescale === false ? 1 : (p.rescale_factor ?? 1 / 255);
  const normalise = p.do_normalize !== false;
  const mean = normalise ? (p.image_mean ?? [0.5, 0.5, 0.5]) : [0, 0, 0];
  const std = normalise ? (p.image_std ?? [0.5, 0.5, 0.5]) : [1, 1, 1];
  const scale = [0, 1, 2].map((c) => rescale / std[c]!) as [number, number, number];
  const offset = [0, 1, 2].map((c) => -mean[c]! / std[c]!) as [number, number, number];
  return { resizeTo, inputSize, resample: RESAMPLE[p.resample ?? 2]!, scale, offset };
}

export function readModelFolder(folderPath: string): ModelFolder {
  const folder = resolve(folderPath);
  if (!existsSync(folder)) throw new ModelFolderError(`${folder}: model folder does not exist.`);
  const modelPath = join(folder, 'model.onnx');
  if (!existsSync(modelPath)) throw new ModelFolderError(`${modelPath}: file is missing.`);
  const config = readJson(folder, 'config.json', ConfigJson, true)!;
  const prep = readJson(folder, 'preprocessor_config.json', PreprocessorJson, true)!;
  const calibration = readJson(folder, 'calibration.json', CalibrationJson, false);
  const labels = Object.keys(config.id2label)
    .map(Number)
    .sort((a, b) => a - b)
    .map((id) => config.id2label[String(id)]!);
  const name = basename(folder);
  const source = config._name_or_path && config._name_or_path !== name ? ` (${config._name_or_path})` : '';
  const version = config.model_version ? ` ${config.model_version}` : '';
  return {
    folder,
    id: name + version + source,
    modelPath,
    id2label: config.id2label,
    labels,
    preprocessing: preprocessingFrom(prep, join(folder, 'preprocessor_config.json')),
    temperature: calibration?.temperature ?? 1,
  };
}
