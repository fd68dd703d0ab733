import { cpSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MaskClassifier } from '../../../src/main/vision/classifier';
import { ModelFolderError, preprocessingFrom, readModelFolder } from '../../../src/main/vision/model-folder';
import { CONTRACT_MODEL_DIR, SCRATCH_DIR } from '../../helpers/paths';

const dir = join(SCRATCH_DIR, 'model-folder');
const edit = (file: string, change: (json: Record<string, unknown>) => void): void => {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(path, JSON.stringify(json));
};

beforeEach(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(SCRATCH_DIR, { recursive: true });
  cpSync(CONTRACT_MODEL_DIR, dir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model folder contract', () => {
  it("reads the BEiT export's preprocessing from the folder", () => {
    const m = readModelFolder(dir);
    expect(m.labels).toEqual(['No Mask', 'Mask']);
    expect(m.preprocessing).toMatchObject({ resizeTo: 224, inputSize: 224, resample: 'bilinear' });
    // (x/255 - 0.5) / 0.5 = x * 2/255 - 1
    expect(m.preprocessing.scale[0]).toBeCloseTo(2 / 255, 9);
    expect(m.preprocessing.offset[2]).toBeCloseTo(-1, 9);
    expect(m.temperature).toBe(1);
  });

  it('loads a good folder into a classifier on the real runtime', async () => {
    const c = await MaskClassifier.load(dir);
    expect(c.verdicts).toEqual(['no_mask', 'mask']);
    expect(c.cropSize).toBe(224);
    await c.dispose();
  });

  it('names the missing file', async () => {
    unlinkSync(join(dir, 'preprocessor_config.json'));
    await expect(MaskClassifier.load(dir)).rejects.toThrowError(/preprocessor_config\.json: file is missing/);
    unlinkSync(join(dir, 'model.onnx'));
    expect(() => readModelFolder(dir)).toThrowError(/model\.onnx: file is missing/);
  });

  it('names the file with bad JSON', () => {
    writeFileSync(join(dir, 'config.json'), '{"id2label": {');
    expect(() => readModelFolder(dir)).toThrowError(/config\.json: not valid JSON/);
  });

  it('names the file and the field that is wrong', () => {
    edit('preprocessor_config.json', (j) => (j.image_mean = [0.5, 0.5]));
    expect(() => readModelFolder(dir)).toThrowError(/preprocessor_config\.json: field "image_mean": must be 3 numbers/);
  });

  it('rejects labels it cannot map, unless overridden', async () => {
    edit('config.json', (j) => (j.id2label = { 0: 'LABEL_0', 1: 'LABEL_1' }));
    await expect(MaskClassifier.load(dir)).rejects.toThrowError(/config\.json: id2label\["0"\] = "LABEL_0" does not name a kiosk verdict/);
    const c = await MaskClassifier.load(dir, { labelOverrides: { LABEL_0: 'no_mask', LABEL_1: 'mask' } });
    expect(c.verdicts).toEqual(['no_mask', 'mask']);
    await c.dispose();
  });

  it('rejects a label count that differs from the model output', async () => {
    edit('config.json', (j) => (j.id2label = { 0: 'No Mask', 1: 'Mask', 2: 'incorrect' }));
    await expect(MaskClassifier.load(dir)).rejects.toThrowError(/id2label has 3 classes but the model's output logits has/);
  });

  it('rejects an input size the model does not have, listing its inputs', async () => {
    edit('preprocessor_config.json', (j) => (j.size = { height: 160, width: 160 }));
    await expect(MaskClassifier.load(dir)).rejects.toThrowError(
      /input must be float32 \[N, 3, 160, 160\].*pixel_values float32 \[batch_size, 3, 224, 224\]/,
    );
  });

  it('follows ConvNeXt-style crop_pct and shortest_edge', () => {
    const p = preprocessingFrom({ size: { shortest_edge: 224 }, do_center_crop: true, crop_pct: 0.875, resample: 3 });
    expect(p).toMatchObject({ resizeTo: 256, inputSize: 224, resample: 'bicubic' });
  });

  it('rejects a folder that does not exist', () => {
    expect(() => readModelFolder(join(dir, 'nope'))).toThrow(ModelFolderError);
  });
});
