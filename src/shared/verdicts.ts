// What the kiosk can find a face to wear: a mask, none, or a mask below the nose.
export const VERDICTS = ['mask', 'no_mask', 'incorrect'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The verdicts a violation can have (logged, reviewed, filtered by). */
export const VIOLATION_VERDICTS = ['no_mask', 'incorrect'] as const satisfies readonly Verdict[];
