/// <reference types="vite/client" />
// Strings live in locales/<lang>.json, one file per language in src/shared/languages.ts; English
// is the reference every other language must match (a test checks keys and placeholders). How to
// add a language: see CONTRIBUTING.md.
import type { Language } from '../../../shared/languages';
import type { Message } from '../../../shared/messages';
import en from '../locales/en.json';

export type MessageKey = keyof typeof en;
type Messages = Record<MessageKey, string>;

const files = import.meta.glob<Messages>('../locales/*.json', { eager: true, import: 'default' });
export const LOCALES = Object.fromEntries(
  Object.entries(files).map(([path, messages]) => [path.replace(/^.*\/([\w-]+)\.json$/, '$1'), messages]),
) as Record<Language, Messages>;

/** The languages a locale file exists for, in the order staff pick from. */
export const AVAILABLE_LANGUAGES = Object.keys(LOCALES).sort() as Language[];

/** Whether `code` (from an address or the PC's locale) names a language the kiosk speaks. */
export const isLanguage = (code: string | null | undefined): code is Language => (AVAILABLE_LANGUAGES as string[]).includes(code ?? '');

export function translate(lang: Language, key: MessageKey): string {
  return LOCALES[lang]?.[key] ?? en[key];
}

/** Fills {name} placeholders. */
export function format(lang: Language, key: MessageKey, values: Record<string, string | number>): string {
  return translate(lang, key).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** What main said, in the screen's language (main sends a code and values, never a sentence). */
export function say(lang: Language, message: Message): string {
  return format(lang, `message.${message.code}`, message.params);
}

/** What a failed call says to staff: its message in the screen's language where main gave one, else main's own words. */
export function sayFailure(lang: Language, failure: { message: string; notice?: Message }): string {
  return failure.notice ? say(lang, failure.notice) : failure.message;
}

/** Numbers, percentages, dates and times the way the screen's language writes them. */
export const formatNumber = (lang: Language, n: number, digits = 0): string =>
  new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
export const formatPercent = (lang: Language, ratio: number, digits = 0): string =>
  new Intl.NumberFormat(lang, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ratio);
export const formatDateTime = (lang: Language, t: number): string =>
  new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(t);
export const formatTime = (lang: Language, t: number): string => new Intl.DateTimeFormat(lang, { timeStyle: 'short' }).format(t);
/** A calendar day (YYYY-MM-DD): in full, or only day and month (a chart's axis). */
export const formatDay = (lang: Language, day: string, short = false): string =>
  new Intl.DateTimeFormat(lang, short ? { day: 'numeric', month: 'numeric' } : { dateStyle: 'medium' }).format(new Date(`${day}T12:00:00`));

/** The keys of a record that covers a union exactly, for the option lists of a form. */
export function keysOf<K extends string>(record: Record<K, unknown>): K[] {
  return Object.keys(record) as K[];
}
