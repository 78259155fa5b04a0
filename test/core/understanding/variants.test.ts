import type { LocaleId } from '../../../src/contracts';
import { VARIANTS } from '../../../dialogs/types';
import type { VariantId } from '../../../dialogs/types';
import { understand } from '../../../src/core/understanding';

/** Realistic messages for every variant, several languages each where people translate the page. */
const MESSAGES: Array<[VariantId, LocaleId, string]> = [
  ['bad-gateway', 'en', 'I keep getting 502 Bad Gateway on my bank'],
  ['bad-gateway', 'en', 'HTTP Error 502 - Bad Gateway'],
  ['bad-gateway', 'en', 'it just says Error 502'],
  ['bad-gateway', 'en', 'getting a 502 since this morning'],
  ['bad-gateway', 'en', '502 Bad Gateway\nnginx/1.24.0'],
  ['bad-gateway', 'es', 'me sale error 502'],
  ['bad-gateway', 'es', 'dice puerta de enlace incorrecta'],
  ['bad-gateway', 'fr', "j'ai une erreur 502"],
  ['bad-gateway', 'fr', 'passerelle incorrecte'],
  ['bad-gateway', 'de', 'Fehler 502 beim Öffnen'],
  ['bad-gateway', 'de', 'Ungültiges Gateway'],
  ['bad-gateway', 'pt-BR', 'aparece gateway inválido'],
  ['bad-gateway', 'ja', '502エラーが出ます'],
  ['bad-gateway', 'ja', '不正なゲートウェイと表示されます'],
  ['bad-gateway', 'en', 'HTTP Error 502.5 - ANCM Out-Of-Process Startup Failure'],
  ['temporary-error', 'en', 'Temporary Error (502)'],
  ['temporary-error', 'en', 'it shows temporary error 502 and nothing else'],
  ['temporary-error', 'es', 'error temporal (502)'],
  ['proxy-error', 'en', '502 Proxy Error'],
  [
    'proxy-error',
    'en',
    'Proxy Error\nThe proxy server received an invalid response from an upstream server.\nReason: Error reading from remote server',
  ],
  ['proxy-error', 'de', 'Proxy-Fehler'],
  ['proxy-error', 'fr', 'erreur de proxy 502'],
  ['overloaded', 'en', '502 Service Temporarily Overloaded'],
  ['overloaded', 'de', 'Dienst vorübergehend überlastet'],
  ['overloaded', 'fr', 'service temporairement surchargé'],
  ['server-error', 'en', '502 Server Error: The server encountered a temporary error and could not complete your request'],
  ['server-error', 'en', 'it says 502 Server Error'],
  ['server-error', 'de', '502 Serverfehler'],
  ['google', 'en', "502. That's an error."],
  [
    'google',
    'en',
    'Error 502 (Server Error)!!1\n502. That’s an error. The server encountered a temporary error and could not complete your request. Please try again in 30 seconds. That’s all we know.',
  ],
  ['google', 'en', 'gmail gives me a 502'],
  ['iis-502.1', 'en', 'HTTP Error 502.1 - Bad Gateway'],
  ['iis-502.1', 'en', 'CGI application timeout'],
  ['iis-502.2', 'en', 'HTTP Error 502.2 - Bad Gateway: the CGI application did not return a valid set of HTTP headers'],
  ['iis-502.3', 'en', 'HTTP Error 502.3 - Bad Gateway: Forwarder Connection Error (ARR)'],
  ['iis-502.3', 'en', 'IIS gives 502.3 with the ASP.NET Core Module'],
  ['iis-502.4', 'en', 'HTTP Error 502.4 - Bad Gateway. No server is available to handle this request.'],
  ['windows-update', 'en', 'Windows Update fails with 0x80244021'],
  ['windows-update', 'en', 'WU_E_PT_HTTP_STATUS_BAD_GATEWAY in the update log'],
  ['windows-update', 'de', 'Windows Update Fehler 502'],
  ['windows-update', 'ja', 'Windows Updateで0x80244021が出る'],
];

describe('variant detection', () => {
  it.each(MESSAGES)('%s <- (%s) %j', (variant, locale, message) => {
    expect(understand(message, { locale }).variant).toBe(variant);
  });

  it('has at least one message for every variant', () => {
    const covered = new Set(MESSAGES.map(([variant]) => variant));
    expect(VARIANTS.filter((variant) => !covered.has(variant))).toEqual([]);
  });

  it.each([
    'my order number is 15020',
    'it costs $502',
    'upstream on port 5020 is fine',
    'the site is slow',
    'Google Chrome shows a blank page',
    "that's an error on my part",
  ])('finds no variant in %j', (message) => {
    expect(understand(message, { locale: 'en' }).variant).toBeUndefined();
  });

  it('does not read Google Chrome as a Google service', () => {
    expect(understand('502 in Google Chrome', { locale: 'en' }).variant).toBe('bad-gateway');
  });
});
