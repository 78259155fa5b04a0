/**
 * HTML templates with marked placeholders, and the escaping they rely on. In a template, `{{name}}` takes
 * text (escaped when filled) and `{{{name}}}` takes markup the server built itself; a line `{{! ... }}` is a
 * comment for the template's reader and is dropped. The caller declares every placeholder and its kind, so the
 * compiler checks the names it fills, and loading fails when the file and the declaration disagree.
 */
import { escapeHtml } from '../../text/html';

/** How a placeholder is filled: `text` is escaped; `markup` is inserted as it is. */
export type SlotKind = 'text' | 'markup';

/** A parsed template whose placeholders are `Slot`. */
export interface HtmlTemplate<Slot extends string> {
  /** The page with every placeholder filled (text escaped). */
  render(values: Readonly<Record<Slot, string>>): string;
}

type Part = string | { slot: string; kind: SlotKind };

const PLACEHOLDER = /\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}/g;

/**
 * Parses `source` (named `name` in errors) against the declared `slots`; throws when a placeholder is not
 * declared, is declared with the other kind, is never used, or when a `{{` is left that is none of these.
 */
export function parseHtmlTemplate<Slot extends string>(
  source: string,
  slots: Readonly<Record<Slot, SlotKind>>,
  name: string,
): HtmlTemplate<Slot> {
  const declared: Readonly<Record<string, SlotKind>> = slots;
  const text = source
    .split('\n')
    .filter((line) => !(line.startsWith('{{!') && line.trimEnd().endsWith('}}')))
    .join('\n');
  const parts: Part[] = [];
  const used = new Set<string>();
  let from = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const slot = (match[1] ?? match[2]) as string;
    const kind: SlotKind = match[1] === undefined ? 'text' : 'markup';
    if (declared[slot] !== kind) {
      throw new Error(`${name}: {{${slot}}} is used as ${kind} but declared as ${declared[slot] ?? 'nothing'}`);
    }
    parts.push(text.slice(from, match.index), { slot, kind });
    used.add(slot);
    from = match.index + match[0].length;
  }
  parts.push(text.slice(from));
  const stray = parts.find((part) => typeof part === 'string' && part.includes('{{'));
  if (stray !== undefined) throw new Error(`${name}: a "{{" that is no placeholder: ${JSON.stringify(String(stray).slice(0, 80))}`);
  const unused = Object.keys(declared).filter((slot) => !used.has(slot));
  if (unused.length > 0) throw new Error(`${name}: declared but never used: ${unused.join(', ')}`);

  return {
    render(values) {
      const byName: Readonly<Record<string, string>> = values;
      const fill = (part: Part): string => {
        if (typeof part === 'string') return part;
        const value = byName[part.slot] ?? '';
        return part.kind === 'text' ? escapeHtml(value) : value;
      };
      return parts.map(fill).join('');
    },
  };
}

/** JSON that cannot close its `<script>` element or start an HTML comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
