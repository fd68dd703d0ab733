// The vision worker thread: loads the pipeline once and analyses the frames the main thread
// sends. Inference runs here so the main thread stays free for IPC and the violation log, and so
// this thread's V8 heap can be sized for a steady stream of frames (see vision-thread.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { VisionPipeline } from './pipeline';
import { workerRequest, type ThreadPipelineOptions, type WorkerReply } from './vision-messages';
import { firstIssue } from '../../shared/zod-issue';

const port = parentPort;
if (!port) throw new Error('vision-worker.ts runs as a worker thread (see VisionThread)');

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

let pipeline: VisionPipeline;
try {
  pipeline = await VisionPipeline.load(workerData as ThreadPipelineOptions);
} catch (err) {
  reply({ type: 'failed', message: messageOf(err) });
  process.exit(1);
}
reply({
  type: 'ready',
  info: { modelId: pipeline.classifier.model.id, provider: pipeline.activeProvider, providers: pipeline.providers },
});

let queue: Promise<void> = Promise.resolve();
port.on('message', (raw: unknown) => {
  const parsed = workerRequest.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
    const data = (raw as { data?: unknown })?.data instanceof Uint8Array ? (raw as { data: Uint8Array<ArrayBuffer> }).data : null;
    reply({ type: 'error', id, message: `malformed vision request: ${firstIssue(parsed.error, 'message')}`, data }, data ? [data.buffer] : []);
    return;
  }
  const request = parsed.data;
  if (request.type === 'dispose') {
    void pipeline.dispose().finally(() => port.close());
    return;
  }
  if (request.type === 'memory') {
    // After a full collection when the process runs with --expose-gc (the soak does), so the
    // figure is what stays alive rather than where the collector happened to be.
    (globalThis as { gc?: () => void }).gc?.();
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    reply({ type: 'memory', id: request.id, memory: { heapUsed, heapTotal, external } });
    return;
  }
  const { id, data, width, height, channels } = request;
  // The pipeline reuses its buffers, so frames that arrive together are analysed one after another.
  queue = queue
    .then(() => pipeline.analyzeFrame({ data, width, height, channels }))
    .then(
      (result) => reply({ type: 'result', id, result, data }, [data.buffer]),
      (err: unknown) => reply({ type: 'error', id, message: messageOf(err), data }, [data.buffer]),
    )
    // A reply that cannot be sent must not turn the queue into a rejected promise for later frames.
    .catch((err: unknown) => reply({ type: 'error', id: null, message: `vision reply failed: ${messageOf(err)}`, data: null }));
});
