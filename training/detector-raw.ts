// npx tsx training/detector-raw.ts MODEL.onnx IN.bin OUT.bin N
// Runs a face detector graph through the product's own ONNX Runtime entry (src/main/vision/ort.ts,
// which switches ONNX Runtime's telemetry off) on N inputs of [128, 128, 3] float32 and writes its
// four raw outputs per input, in output-name order: training/face_detector.py checks an export
// against the PyTorch module with it.
import { readFileSync, writeFileSync } from 'node:fs';
import { ort } from '../src/main/vision/ort';

const [model, inFile, outFile, count] = process.argv.slice(2);
if (!model || !inFile || !outFile || !count) {
  console.error('Usage: npx tsx training/detector-raw.ts MODEL.onnx IN.bin OUT.bin N');
  process.exit(2);
}
const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
const bytes = readFileSync(inFile);
const inputs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const size = 128 * 128 * 3;
const names = [...session.outputNames].sort();
const out: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const input = new ort.Tensor('float32', inputs.slice(i * size, (i + 1) * size), [1, 128, 128, 3]);
  const result = await session.run({ [session.inputNames[0]!]: input });
  for (const name of names) out.push(...(result[name]!.data as Float32Array));
}
await session.release();
writeFileSync(outFile, Buffer.from(new Float32Array(out).buffer));
