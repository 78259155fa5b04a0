/** NLP.js ships no type declarations; bench/understanding-compare.ts types the little it uses itself. */
declare module '@nlpjs/core' {
  export function containerBootstrap(): Promise<{ use(plugin: unknown): void }>;
}
declare module '@nlpjs/nlp' {
  export const Nlp: new (settings: Record<string, unknown>) => unknown;
}
declare module '@nlpjs/lang-en' {
  export const LangEn: unknown;
}
declare module '@nlpjs/lang-es' {
  export const LangEs: unknown;
}
declare module '@nlpjs/lang-fr' {
  export const LangFr: unknown;
}
declare module '@nlpjs/lang-de' {
  export const LangDe: unknown;
}
declare module '@nlpjs/lang-pt' {
  export const LangPt: unknown;
}
declare module '@nlpjs/lang-ja' {
  export const LangJa: unknown;
}
