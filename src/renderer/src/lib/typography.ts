// What visitors read, set for reading at a glance from a few steps away.

const NO_BREAK_SPACE = '\u00A0';
/** Where a sentence ends: its stop, a closing quote if any, then the space before the next. */
const SENTENCE_END = /[.!?…]["'”’»]?\s+/gu;

/**
 * A short closing sentence ("Please come in.") that the line breaks in two reads as two
 * fragments, and its first word is left dangling after the sentence before. Its spaces become
 * no-break spaces, so it moves to the next line whole; a longer one, or a text of one sentence,
 * wraps as before.
 */
export function keepClosingSentenceWhole(text: string, maxLength = 24): string {
  let start = -1;
  for (const m of text.matchAll(SENTENCE_END)) if (m.index + m[0].length < text.length) start = m.index + m[0].length;
  if (start < 0) return text;
  const closing = text.slice(start);
  if (closing.length > maxLength) return text;
  return text.slice(0, start) + closing.replace(/\s+/gu, NO_BREAK_SPACE);
}
