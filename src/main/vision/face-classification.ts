// What each face of a frame wears: the classifier, the nose check behind it, and the schedule
// that lets a person who holds still reuse a recent answer. The pipeline finds and crops faces;
// this answers for them.
import { performance } from 'node:perf_hooks';
import type { Classification, MaskClassifier } from './classifier';
import { ClassificationCache, type ClassifySchedule, faceThumbnail } from './classify-schedule';
import type { DetectedFace } from './detector';
import type { RawImage } from './image';
import { applyNoseCheck, type NoseCheck } from './nose-check';

/** A classification, with the nose check's P(nose in view) and its doubt line when it looked. */
export type CheckedClassification = Classification & { noseUncovered?: number; noseDoubtAt?: number };

export class FaceClassification {
  private readonly cache: ClassificationCache<CheckedClassification> | null;

  constructor(
    readonly classifier: MaskClassifier,
    readonly noseCheck: NoseCheck | null,
    schedule: ClassifySchedule | null,
  ) {
    this.cache = schedule ? new ClassificationCache<CheckedClassification>(schedule) : null;
  }

  /**
   * Every face's classification: fresh where the schedule asks for one, remembered otherwise.
   * `capturedAt` null is a still image, always classified. `timing.nose` gains the nose check's
   * milliseconds.
   */
  async classify(
    image: RawImage,
    faces: readonly DetectedFace[],
    crops: readonly Uint8Array[],
    capturedAt: number | null,
    timing: { nose: number },
  ): Promise<{ classes: CheckedClassification[]; classified: number }> {
    const cache = this.cache;
    if (capturedAt === null || !cache) return { classes: await this.fresh(image, faces, crops, timing), classified: crops.length };
    const boxes = faces.map((face) => face.box);
    const thumbnails = crops.map((crop) => faceThumbnail(crop, this.classifier.cropSize));
    const planned = cache.plan(boxes, thumbnails, capturedAt);
    const needed = planned.flatMap((p, i) => (p ? [] : [i]));
    const answers = await this.fresh(
      image,
      needed.map((i) => faces[i]!),
      needed.map((i) => crops[i]!),
      timing,
    );
    // The fresh answers come in the order of the crops that needed them.
    let next = 0;
    const classes = planned.map((p) => p?.result ?? answers[next++]!);
    cache.remember(boxes, thumbnails, planned, classes, capturedAt);
    return { classes, classified: answers.length };
  }

  /** The classifier's answers, with the nose check's word on every face it calls a mask. */
  private async fresh(
    image: RawImage,
    faces: readonly DetectedFace[],
    crops: readonly Uint8Array[],
    timing: { nose: number },
  ): Promise<CheckedClassification[]> {
    const classes: CheckedClassification[] = await this.classifier.classify(crops);
    const check = this.noseCheck;
    const masked = check ? classes.flatMap((c, i) => (c.verdict === 'mask' ? [i] : [])) : [];
    if (!check || masked.length === 0) return classes;
    const t = performance.now();
    const uncovered = await check.uncovered(
      image,
      masked.map((i) => faces[i]!),
    );
    // Only the faces the check would tell to pull up go to the face mesh.
    const flagged = masked.flatMap((_, k) => (uncovered[k]! >= check.config.threshold ? [k] : []));
    const seen = await check.facesSeen(
      image,
      flagged.map((k) => faces[masked[k]!]!.box),
    );
    const unseen = new Set(flagged.filter((_, j) => !seen[j]));
    masked.forEach((i, k) => {
      const word = unseen.has(k) ? 0 : uncovered[k]!;
      classes[i] = {
        ...applyNoseCheck(classes[i]!, word, check.config.threshold),
        noseUncovered: uncovered[k]!,
        noseDoubtAt: check.doubtAt,
      };
    });
    timing.nose += performance.now() - t;
    return classes;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.classifier.dispose(), this.noseCheck?.dispose()]);
  }
}
