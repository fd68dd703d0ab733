// The languages the kiosk speaks. Adding one: add its code here and its strings in
// src/renderer/src/locales/<code>.json (a test checks it has every key).
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];
