// What the engine process does with each message: load the pipeline on `init`, analyse frames one
// after another, report its memory, end on `dispose` or when the kiosk goes away.

import { errorMessage } from '../../../shared/errors';
import { firstIssue } from '../../../shared/zod-issue';
import { type EnginePipelineOptions, type EngineReply, engineRequest } from '../engine-messages';
import { VisionPipeline } from '../pipeline';
import type { ParentLink } from './engine-link';

export function serveEngine(link: ParentLink): void {
  let pipeline: VisionPipeline | null = null;
  let loading = false;
  let queue: Promise<void> = Promise.resolve();
  const reply = (message: EngineReply): void => link.send(message);

  link.onClose(() => process.exit(0));
  link.onMessage((raw) => {
    const parsed = engineRequest.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'number' ? (raw as { id: number }).id : null;
      reply({ type: 'error', id, message: `malformed vision request: ${firstIssue(parsed.error, 'message')}` });
      return;
    }
    const request = parsed.data;
    switch (request.type) {
      case 'init':
        if (loading || pipeline) return reply({ type: 'failed', message: 'the vision engine was started twice' });
        loading = true;
        VisionPipeline.load(request.pipeline as EnginePipelineOptions).then(
          (loaded) => {
            pipeline = loaded;
            reply({
              type: 'ready',
              info: { modelId: loaded.modelId, provider: loaded.activeProvider, providers: loaded.providers },
            });
          },
          (err: unknown) => {
            reply({ type: 'failed', message: errorMessage(err) });
            // Let the reply leave before the process ends.
            setImmediate(() => process.exit(1));
          },
        );
        return;
      case 'dispose':
        void (pipeline?.dispose() ?? Promise.resolve()).finally(() => process.exit(0));
        return;
      case 'memory': {
        // After a full collection when the process runs with --expose-gc (the soak does), so the
        // figure is what stays alive rather than where the collector happened to be.
        (globalThis as { gc?: () => void }).gc?.();
        const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
        return reply({ type: 'memory', id: request.id, memory: { heapUsed, heapTotal, external, rss } });
      }
      case 'analyze': {
        const { id, data, width, height, channels, capturedAt } = request;
        const loaded = pipeline;
        if (!loaded) return reply({ type: 'error', id, message: 'the vision engine has not loaded its models yet' });
        // The pipeline reuses its buffers, so frames that arrive together are analysed one after another.
        queue = queue
          .then(() => loaded.analyzeFrame({ data, width, height, channels }, capturedAt))
          .then(
            (result) => reply({ type: 'result', id, result }),
            (err: unknown) => reply({ type: 'error', id, message: errorMessage(err) }),
          )
          // A reply that cannot be sent must not turn the queue into a rejected promise for later frames.
          .catch((err: unknown) => reply({ type: 'error', id: null, message: `vision reply failed: ${errorMessage(err)}` }));
        return;
      }
    }
  });
}
