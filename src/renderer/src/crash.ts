// The calm screen main shows when the kiosk cannot carry on by itself (it kept failing). Main
// says why as a code and values in the address (#reason=…&count=…&detail=…&lang=…&lang2=…); this
// page says it in the kiosk's language, and what visitors read in its second language too. It
// needs nothing from main, so it works while main is failing.
import type { Language } from '../../shared/languages';
import { format, isLanguage, translate } from './lib/i18n';

const params = new URLSearchParams(location.hash.slice(1));
const asked = params.get('lang');
const lang: Language = isLanguage(asked) ? asked : 'en';
const asked2 = params.get('lang2');
const second: Language | null = isLanguage(asked2) && asked2 !== lang ? asked2 : null;
const reason = params.get('reason') === 'display_failure' ? 'display_failure' : 'repeated_failure';

document.documentElement.lang = lang;
document.getElementById('title')!.textContent = translate(lang, 'crash.title');
document.getElementById('body')!.textContent = translate(lang, 'crash.body');
if (second) {
  const block = document.getElementById('second')!;
  block.lang = second;
  block.hidden = false;
  document.getElementById('title2')!.textContent = translate(second, 'crash.title');
  document.getElementById('body2')!.textContent = translate(second, 'crash.body');
}
document.getElementById('staff')!.textContent = format(lang, `crash.staff.${reason}`, {
  count: params.get('count') ?? '',
  detail: (params.get('detail') ?? '').slice(0, 300),
});
