import type { LocaleId } from '../../../src/contracts';
import type { Intent } from '../../../dialogs/types';
import { understand } from '../../../src/core/understanding';

/** Messages as people type them, three or more per intent and language. */
const CASES: Record<LocaleId, Partial<Record<Intent, string[]>>> = {
  en: {
    yes: ['yes', 'Yeah!', 'yep, that worked', 'ok', 'It works now', "it's back!"],
    no: ['no', 'No, still broken', 'nope', "didn't work", 'still the same error'],
    skip: ['skip', 'Next', 'already tried that', 'skip this step please'],
    restart: ['restart', "let's start over", 'Start over please', 'can we go from the beginning'],
    help: ['help', '?', 'what can you do', "I'm confused"],
    human: ['talk to a human', 'I want to speak to a person', 'agent', 'can I get a real person'],
    stop: ['stop', 'cancel', 'never mind', 'stop notifications'],
    admin: ['I run this site', "it's my site", "I'm the admin", 'this is our website', 'I run a WordPress site on nginx'],
    visitor: ["I'm just visiting", "it's not my site", "I'm a customer", 'just a user'],
    watch: ["tell me when it's back", 'let me know when it is back up', 'notify me', 'ping me when it works'],
    recheck: ['check again', 'try again', 'is it up now?', 'recheck'],
    back: ['back', 'go back', 'previous step', 'oops, wrong answer'],
    thanks: ['thanks', 'Thank you!', 'thx', 'much appreciated'],
    greeting: ['hi', 'Hello', 'good morning', 'hey there'],
  },
  es: {
    yes: ['sí', 'si', 'vale', 'ya está', 'Sí, ya funciona', 'claro'],
    no: ['no', 'No, sigue roto', 'sigue igual', 'no funcionó'],
    skip: ['saltar', 'siguiente', 'ya lo hice', 'salta este paso'],
    restart: ['reiniciar', 'empezar de nuevo', 'desde el principio', 'volver a empezar por favor'],
    help: ['ayuda', 'ayúdame', 'no entiendo', '¿qué puedes hacer?'],
    human: ['hablar con una persona', 'quiero hablar con un humano', 'agente', 'atención al cliente'],
    stop: ['parar', 'cancelar', 'olvídalo', 'deja de avisarme'],
    admin: ['soy el administrador', 'es mi sitio', 'soy la dueña', 'gestiono la web'],
    visitor: ['solo estoy visitando', 'no es mi sitio', 'soy cliente', 'soy un usuario'],
    watch: ['avísame cuando vuelva', 'avisame', 'dime cuando funcione', '¿me avisas cuando esté arriba?'],
    recheck: ['otra vez', 'comprueba otra vez', 'vuelve a comprobar', 'revisa de nuevo'],
    back: ['atrás', 'volver atrás', 'paso anterior', 'me equivoqué'],
    thanks: ['gracias', 'muchas gracias', 'mil gracias!', 'te lo agradezco'],
    greeting: ['hola', 'buenas', 'buenos días', 'Hola, ¿qué tal?'],
  },
  fr: {
    yes: ['oui', 'ouais', "d'accord", 'ça marche maintenant', "c'est bon"],
    no: ['non', 'Non, toujours pas', 'ça ne marche pas', 'toujours la même erreur'],
    skip: ['passer', 'suivant', 'déjà fait', "j'ai déjà essayé"],
    restart: ['recommencer', 'on recommence', 'depuis le début', 'repartir de zéro'],
    help: ['aide', 'aidez-moi', 'je ne comprends pas', 'comment ça marche ?'],
    human: ['parler à un humain', 'je veux parler à quelqu’un', 'conseiller', 'service client'],
    stop: ['stop', 'annuler', 'laisse tomber', 'arrête les notifications'],
    admin: ["c'est mon site", "je suis l'admin", 'je gère le site', 'c’est notre site'],
    visitor: ['je suis visiteur', "ce n'est pas mon site", 'simple utilisateur', 'je suis client'],
    watch: ['préviens-moi quand il revient', 'previens moi', 'tiens-moi au courant', 'dis-moi quand ça remarche'],
    recheck: ['vérifie encore', 'réessaie', 'revérifier', 'teste à nouveau'],
    back: ['retour', 'revenir en arrière', 'étape précédente', 'je me suis trompé'],
    thanks: ['merci', 'merci beaucoup', 'Merci bien !', 'je vous remercie'],
    greeting: ['bonjour', 'salut', 'coucou', 'bonsoir'],
  },
  de: {
    yes: ['ja', 'Ja, klar', 'jo', 'es geht wieder', 'hat geklappt'],
    no: ['nein', 'Nein, geht immer noch nicht', 'nö', 'derselbe Fehler'],
    skip: ['überspringen', 'ueberspringen', 'weiter', 'hab ich schon gemacht'],
    restart: ['neu starten', 'von vorne', 'nochmal von vorne bitte', 'neustart'],
    help: ['Hilfe', 'hilf mir', 'ich verstehe nicht', 'was kannst du?'],
    human: ['mit einem Menschen sprechen', 'ich will mit jemandem reden', 'Mitarbeiter', 'Kundenservice'],
    stop: ['stopp', 'abbrechen', 'vergiss es', 'keine Benachrichtigungen mehr'],
    admin: ['ich betreibe die Seite', 'das ist meine Website', 'ich bin der Admin', 'unsere Webseite'],
    visitor: ['ich bin nur Besucher', 'nicht meine Seite', 'ich bin Kunde', 'Besucher'],
    watch: ['sag mir Bescheid, wenn sie wieder da ist', 'benachrichtige mich', 'gib mir Bescheid', 'sag bescheid'],
    recheck: ['nochmal prüfen', 'prüf nochmal', 'erneut prüfen', 'ist die Seite wieder da?'],
    back: ['zurück', 'einen Schritt zurück', 'vorheriger Schritt', 'hab mich vertan'],
    thanks: ['danke', 'vielen Dank!', 'dankeschön', 'Danke schön'],
    greeting: ['hallo', 'moin', 'guten Tag', 'servus'],
  },
  'pt-BR': {
    yes: ['sim', 'Sim, funcionou', 'beleza', 'deu certo', 'isso'],
    no: ['não', 'nao', 'Não, continua igual', 'não funcionou'],
    skip: ['pular', 'próximo', 'já fiz isso', 'já tentei'],
    restart: ['reiniciar', 'começar de novo', 'recomeçar', 'do zero'],
    help: ['ajuda', 'me ajuda', 'não entendi', 'o que você pode fazer?'],
    human: ['falar com uma pessoa', 'quero um atendente', 'atendente', 'falar com alguém'],
    stop: ['parar', 'cancelar', 'deixa pra lá', 'pare de me avisar'],
    admin: ['sou o dono do site', 'sou a administradora', 'o site é meu', 'é nosso site'],
    visitor: ['só estou visitando', 'não é meu site', 'sou cliente', 'sou visitante'],
    watch: ['me avise quando voltar', 'me avisa', 'me fala quando funcionar', 'fica de olho'],
    recheck: ['verifica de novo', 'tenta de novo', 'checa novamente', 'de novo'],
    back: ['voltar', 'passo anterior', 'voltar um passo', 'me enganei'],
    thanks: ['obrigado', 'obrigada!', 'valeu', 'muito obrigado'],
    greeting: ['oi', 'olá', 'bom dia', 'e aí'],
  },
  ja: {
    yes: ['はい', 'うん', 'はい、直りました', '表示されました！'],
    no: ['いいえ', 'いや、まだエラーです', '直らない', 'だめでした'],
    skip: ['スキップ', '次へ', 'もうやりました', 'それは試しました'],
    restart: ['最初から', 'やり直したい', 'リセット', 'はじめからお願いします'],
    help: ['ヘルプ', '助けて', 'どうすればいいですか', '使い方を教えて'],
    human: ['担当者と話したい', 'オペレーターにつないで', '人と話したい', '有人対応をお願いします'],
    stop: ['やめて', 'キャンセル', '通知を止めて', 'もう結構です'],
    admin: ['自分のサイトです', '管理者です', 'サイトを運営しています', 'うちのサイトです'],
    visitor: ['訪問者です', '見ているだけです', 'ただの利用者です', '自分のサイトではないです'],
    watch: ['戻ったら教えて', '復旧したら知らせてください', '通知して', '直ったら連絡ください'],
    recheck: ['もう一度確認して', '再確認', 'もう一回チェックして', 'もう一度'],
    back: ['戻る', '前に戻って', '前のステップ', '間違えました'],
    thanks: ['ありがとう', 'ありがとうございます', '助かりました', 'どうも'],
    greeting: ['こんにちは', 'こんばんは', 'おはようございます', 'もしもし'],
  },
};

describe.each(Object.entries(CASES) as Array<[LocaleId, Partial<Record<Intent, string[]>>]>)('intents in %s', (locale, byIntent) => {
  const cases = Object.entries(byIntent).flatMap(([intent, messages]) =>
    (messages ?? []).map((message) => [intent as Intent, message] as const),
  );
  it.each(cases)('%s <- %j', (intent, message) => {
    expect(understand(message, { locale }).intents).toContain(intent);
  });
});

describe('intent boundaries', () => {
  it('matches whole words only in Latin scripts', () => {
    expect(understand('nothing happens when I click', { locale: 'en' }).intents).not.toContain('no');
    expect(understand('jardin', { locale: 'de' }).intents).toEqual([]);
    expect(understand('yesterday it was fine', { locale: 'en' }).intents).not.toContain('yes');
  });

  it('treats a leading "no" as the answer and ignores later clauses that look like other intents', () => {
    expect(understand('no, still broken', { locale: 'en' }).intents).toEqual(['no']);
    expect(understand('No, sigue roto', { locale: 'es' }).intents).toEqual(['no']);
  });

  it('lets the longest phrase win an overlap', () => {
    expect(understand("it's not my site", { locale: 'en' }).intents).toEqual(['visitor']);
    expect(understand('no problem, thanks', { locale: 'en' }).intents).toEqual(['thanks']);
    expect(understand('no es mi sitio', { locale: 'es' }).intents).toEqual(['visitor']);
  });

  it('keeps the later of a yes and a no ("yes, but still broken" is a no)', () => {
    expect(understand('ok I did that, still getting 502', { locale: 'en' }).intents).toEqual(['no']);
    expect(understand('sí, pero sigue sin funcionar', { locale: 'es' }).intents).toEqual(['no']);
    expect(understand('ja, aber geht immer noch nicht', { locale: 'de' }).intents).toEqual(['no']);
    expect(understand('oui mais toujours pas', { locale: 'fr' }).intents).toEqual(['no']);
  });

  it('reads "I don\'t know" as a request for help, not a no', () => {
    expect(understand('no sé', { locale: 'es' }).intents).toEqual(['help']);
    expect(understand('no idea', { locale: 'en' }).intents).toEqual(['help']);
    expect(understand('não sei', { locale: 'pt-BR' }).intents).toEqual(['help']);
  });

  it('does not read words inside URLs, host names or file names', () => {
    expect(understand('https://my-site.example/help is down', { locale: 'en' }).intents).toEqual([]);
    expect(understand('my-site.com gives 502', { locale: 'en' }).intents).toEqual([]);
    expect(understand('look at no-thanks.example.org', { locale: 'en' }).intents).toEqual([]);
    expect(understand('<https://thank-you.example|thank-you.example> is down', { locale: 'en' }).intents).toEqual([]);
  });

  it('does not take numbers as intents (channels map numbered choices)', () => {
    expect(understand('1', { locale: 'en' }).intents).toEqual([]);
    expect(understand('2', { locale: 'ja' }).intents).toEqual([]);
  });

  it('does not read a router restart as a conversation restart', () => {
    expect(understand('I restarted my router', { locale: 'en' }).intents).not.toContain('restart');
  });

  it('returns intents in the contract order without duplicates', () => {
    const intents = understand('thanks, that worked', { locale: 'en' }).intents;
    expect(intents).toEqual(['yes', 'thanks']);
  });
});

describe('cross-language understanding', () => {
  it.each([
    ['en', 'sí', 'yes'],
    ['en', 'vale', 'yes'],
    ['en', 'hablar con una persona', 'human'],
    ['en', 'avísame cuando vuelva', 'watch'],
    ['en', 'ja', 'yes'],
    ['en', 'nein', 'no'],
    ['en', 'はい', 'yes'],
    ['en', 'merci', 'thanks'],
    ['en', 'soy el administrador', 'admin'],
    ['es', 'yes', 'yes'],
    ['es', 'talk to a human', 'human'],
    ['de', 'obrigado', 'thanks'],
    ['ja', 'help', 'help'],
    ['fr', 'no', 'no'],
  ] as Array<[LocaleId, string, Intent]>)('locale %s understands %j as %s', (locale, message, intent) => {
    expect(understand(message, { locale }).intents).toContain(intent);
  });

  it("asks the user's own table first", () => {
    // "ja" is a German yes; in a French message it must not become one.
    expect(understand('ja', { locale: 'fr' }).intents).toEqual(['yes']);
    expect(understand('si le site ne marche pas, je fais quoi', { locale: 'fr' }).intents).not.toContain('yes');
  });
});
