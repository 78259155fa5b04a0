import type { LocaleId } from '../../../src/contracts';
import { understand } from '../../../src/core/understanding';

const SUBMITTING: Array<[LocaleId, string]> = [
  ['en', 'it happened when I clicked submit on the form'],
  ['en', 'I was paying for my order'],
  ['en', 'got the 502 at checkout'],
  ['en', 'trying to book a table'],
  ['es', 'al enviar el formulario'],
  ['es', 'estaba pagando con tarjeta'],
  ['es', 'al hacer el pedido sale error 502'],
  ['es', 'quería reservar una habitación'],
  ['fr', 'en envoyant le formulaire'],
  ['fr', 'pendant le paiement'],
  ['fr', 'en validant ma commande'],
  ['fr', 'je voulais réserver'],
  ['de', 'beim Absenden vom Formular'],
  ['de', 'während der Bezahlung'],
  ['de', 'bei meiner Bestellung'],
  ['de', 'ich wollte ein Zimmer buchen'],
  ['pt-BR', 'ao enviar o formulário'],
  ['pt-BR', 'na hora do pagamento'],
  ['pt-BR', 'fechando o pedido'],
  ['pt-BR', 'pagando com pix'],
  ['ja', 'フォームを送信したら502が出た'],
  ['ja', '支払いの途中でエラー'],
  ['ja', '注文しようとしたら'],
  ['ja', '予約の確定ボタンを押したら'],
];

describe('submitting', () => {
  it.each(SUBMITTING)('locale %s: %j', (locale, message) => {
    expect(understand(message, { locale }).submitting).toBe(true);
  });

  it.each([
    ['en', 'the homepage shows 502 bad gateway'],
    ['en', 'in order to log in I open the site'],
    ['es', 'la página principal da error 502'],
    ['ja', 'トップページが表示されない'],
  ] as Array<[LocaleId, string]>)('locale %s: %j is not a submission', (locale, message) => {
    expect(understand(message, { locale }).submitting).toBeUndefined();
  });
});
