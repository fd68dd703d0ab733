// Strings live in locales/<lang>.json; English is the reference every other language must match
// (a test checks the keys). How to add a language: see CONTRIBUTING.md.
import en from '../locales/en.json';
import de from '../locales/de.json';

export type MessageKey = keyof typeof en;
export const LOCALES = { en, de } satisfies Record<string, Record<MessageKey, string>>;
export type Language = keyof typeof LOCALES;

export function translate(lang: Language, key: MessageKey): string {
  return LOCALES[lang][key] ?? en[key];
}

/** Fills {name} placeholders. */
export function format(lang: Language, key: MessageKey, values: Record<string, string | number>): string {
  return translate(lang, key).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}
