// Mask classifier: any image-classification model folder in the Optimum layout. All faces of a
// frame go through the model in one batched call.

import type { Verdict } from '../../shared/verdicts';
import { mapLabels } from './labels';
import { type ModelFolder, ModelFolderError, type Preprocessing, readModelFolder } from './model-folder';
import { ort } from './ort';
import { createSession, type LoadedSession, type RuntimeOptions } from './runtime';

export interface Classification {
  verdict: Verdict;
  /** Calibrated probability of `verdict` (sum over the classes that map to it). */
  confidence: number;
  /** Calibrated probability of every verdict the model can give. */
  verdictProbabilities: Partial<Record<Verdict, number>>;
  /** Calibrated probability per model label, in config.json order. */
  probabilities: Record<string, number>;
}

export interface ClassifierOptions {
  labelOverrides?: Record<string, Verdict>;
  runtime?: RuntimeOptions;
}

export class MaskClassifier {
  private batchBuffer = new Float32Array(0);

  private constructor(
    readonly model: ModelFolder,
    readonly verdicts: Verdict[],
    private readonly loaded: LoadedSession,
    private readonly inputName: string,
    private readonly outputName: string,
    /** False when the export fixed the batch dimension at 1. */
    private readonly batched: boolean,
  ) {}

  static async load(folder: string, options: ClassifierOptions = {}): Promise<MaskClassifier> {
    const model = readModelFolder(folder);
    const verdicts = mapLabels(model.id2label, options.labelOverrides, `${model.folder}/config.json`);
    const loaded = await createSession(model.modelPath, options.runtime);
    const { inputName, outputName, batched } = checkInterface(loaded.session, model);
    return new MaskClassifier(model, verdicts, loaded, inputName, outputName, batched);
  }

  get provider(): LoadedSession['provider'] {
    return this.loaded.provider;
  }

  get session(): LoadedSession {
    return this.loaded;
  }

  /** Side of the square RGB crop `classify` expects. */
  get cropSize(): number {
    return this.model.preprocessing.resizeTo;
  }

  /** Classifies square RGB crops of side `cropSize`. */
  async classify(crops: readonly Uint8Array[]): Promise<Classification[]> {
    if (crops.length === 0) return [];
    const { inputSize } = this.model.preprocessing;
    const per = 3 * inputSize * inputSize;
    if (this.batchBuffer.length < per * crops.length) this.batchBuffer = new Float32Array(per * crops.length);
    crops.forEach((crop, i) => {
      toPlanar(crop, this.model.preprocessing, this.batchBuffer.subarray(i * per, (i + 1) * per));
    });
    const logits: Float32Array[] = [];
    const groups = this.batched ? [crops.length] : crops.map(() => 1);
    let start = 0;
    for (const n of groups) {
      const tensor = new ort.Tensor('float32', this.batchBuffer.subarray(start * per, (start + n) * per), [n, 3, inputSize, inputSize]);
      const out = await this.loaded.session.run({ [this.inputName]: tensor });
      const data = out[this.outputName]!.data as Float32Array;
      const classes = data.length / n;
      for (let i = 0; i < n; i++) logits.push(data.slice(i * classes, (i + 1) * classes));
      start += n;
    }
    return logits.map((row) => this.interpret(row));
  }

  private interpret(logits: Float32Array): Classification {
    const t = this.model.temperature;
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v / t);
    const exps = Array.from(logits, (v) => Math.exp(v / t - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    const probabilities: Record<string, number> = {};
    const verdictProbabilities: Partial<Record<Verdict, number>> = {};
    exps.forEach((e, i) => {
      const p = e / sum;
      probabilities[this.model.labels[i]!] = p;
      const v = this.verdicts[i]!;
      verdictProbabilities[v] = (verdictProbabilities[v] ?? 0) + p;
    });
    let verdict: Verdict = this.verdicts[0]!;
    for (const [v, p] of Object.entries(verdictProbabilities) as [Verdict, number][]) {
      if (p > (verdictProbabilities[verdict] ?? 0)) verdict = v;
    }
    return { verdict, confidence: verdictProbabilities[verdict]!, verdictProbabilities, probabilities };
  }

  async dispose(): Promise<void> {
    await this.loaded.session.release();
  }
}

/** Checks the session against the folder's description; errors list what the model really has. */
function checkInterface(session: ort.InferenceSession, model: ModelFolder): { inputName: string; outputName: string; batched: boolean } {
  const describe = (metas: readonly ort.InferenceSession.ValueMetadata[]): string =>
    metas.map((m) => (m.isTensor ? `${m.name} ${m.type} [${m.shape.join(', ')}]` : `${m.name} (not a tensor)`)).join(', ');
  const inputName = session.inputNames.includes('pixel_values')
    ? 'pixel_values'
    : session.inputNames.length === 1
      ? session.inputNames[0]!
      : undefined;
  if (!inputName) {
    throw new ModelFolderError(`${model.modelPath}: expected one input "pixel_values"; the model has ${describe(session.inputMetadata)}.`);
  }
  const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  if (!outputName) throw new ModelFolderError(`${model.modelPath}: the model has no outputs.`);
  const input = session.inputMetadata.find((m) => m.name === inputName);
  let batched = true;
  if (input?.isTensor) {
    const [n, c, h, w] = input.shape;
    const size = model.preprocessing.inputSize;
    const fits =
      input.type === 'float32' &&
      input.shape.length === 4 &&
      (c === 3 || typeof c === 'string') &&
      (h === size || typeof h === 'string') &&
      (w === size || typeof w === 'string');
    if (!fits) {
      throw new ModelFolderError(
        `${model.modelPath}: input must be float32 [N, 3, ${size}, ${size}] as preprocessor_config.json says; the model has ${describe(session.inputMetadata)}.`,
      );
    }
    batched = n !== 1;
  }
  const output = session.outputMetadata.find((m) => m.name === outputName);
  if (output?.isTensor) {
    const classes = output.shape[output.shape.length - 1];
    if (typeof classes === 'number' && classes !== model.labels.length) {
      throw new ModelFolderError(
        `${model.folder}/config.json: id2label has ${model.labels.length} classes but the model's output ${outputName} has ${classes}.`,
      );
    }
  }
  return { inputName, outputName, batched };
}

/**
 * A square RGB crop of side `resizeTo` as the model's input: the centre `inputSize` square, planar
 * (CHW), rescaled and normalised as the folder's preprocessor says.
 */
export function toPlanar(crop: Uint8Array, preprocessing: Preprocessing, out: Float32Array): void {
  const { resizeTo, inputSize, scale, offset } = preprocessing;
  if (crop.length !== resizeTo * resizeTo * 3) {
    throw new Error(`crop has ${crop.length} bytes, expected ${resizeTo}x${resizeTo}x3`);
  }
  const start = Math.floor((resizeTo - inputSize) / 2);
  const plane = inputSize * inputSize;
  for (let y = 0; y < inputSize; y++) {
    let src = ((y + start) * resizeTo + start) * 3;
    let dst = y * inputSize;
    for (let x = 0; x < inputSize; x++, src += 3, dst++) {
      out[dst] = crop[src]! * scale[0] + offset[0];
      out[dst + plane] = crop[src + 1]! * scale[1] + offset[1];
      out[dst + 2 * plane] = crop[src + 2]! * scale[2] + offset[2];
    }
  }
}
