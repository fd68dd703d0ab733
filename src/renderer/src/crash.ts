// The calm screen main shows when the kiosk cannot carry on by itself (it kept failing). Main
// says why as a code and values in the address (#reason=…&count=…&detail=…&lang=…); this page
// says it in the kiosk's language. It needs nothing from main, so it works while main is failing.
import type { Language } from '../../shared/languages';
import { AVAILABLE_LANGUAGES, format, translate } from './lib/i18n';

const params = new URLSearchParams(location.hash.slice(1));
const asked = params.get('lang') as Language | null;
const lang: Language = asked && AVAILABLE_LANGUAGES.includes(asked) ? asked : 'en';
const reason = params.get('reason') === 'display_failure' ? 'display_failure' : 'repeated_failure';

document.documentElement.lang = lang;
document.getElementById('title')!.textContent = translate(lang, 'crash.title');
document.getElementById('body')!.textContent = translate(lang, 'crash.body');
document.getElementById('staff')!.textContent = format(lang, `crash.staff.${reason}`, {
  count: params.get('count') ?? '',
  detail: (params.get('detail') ?? '').slice(0, 300),
});
