// Translations (issue 13 §8): the German catalog is complete, and every message compiles the way
// Lingui's own compiler does (English is compiled in the browser by src/i18n/compile.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileMessage as linguiCompile } from '@lingui/message-utils/compileMessage';
import { AUDIT_ACTION_LABELS, AUDIT_FAMILY_LABELS, PERMISSION_CATALOG } from '@gatehouse/permissions';
import { compileMessage } from './compile.ts';
import { AUDIT_ACTION_MESSAGES, AUDIT_FAMILY_MESSAGES } from './audit-labels.ts';
import { PERMISSION_DESCRIPTIONS } from './permission-descriptions.ts';
import { LOCALES } from './locale.ts';

const LOCALE_DIR = path.join(import.meta.dirname, '../locales');

/** msgid → msgstr of a .po file (Lingui writes each on one line). */
function readPo(locale: string): Map<string, string> {
  const text = fs.readFileSync(path.join(LOCALE_DIR, `${locale}.po`), 'utf8');
  const unquote = (s: string) => JSON.parse(`"${s}"`) as string;
  const entries = new Map<string, string>();
  for (const m of text.matchAll(/^msgid "(.*)"\nmsgstr "(.*)"$/gm)) if (m[1]) entries.set(unquote(m[1]), unquote(m[2]!));
  return entries;
}

/** Argument names (`{name}`, `{0, plural, …}`) and tag numbers (`<0>`) of an ICU message. */
function placeholders(message: string): string[] {
  const args = [...message.matchAll(/\{\s*(\w+)\s*[,}]/g)].map((m) => `{${m[1]}}`);
  const tags = [...message.matchAll(/<\/?(\d+)\/?>/g)].map((m) => m[0]);
  return [...new Set([...args, ...tags])].sort();
}

const english = readPo('en');

describe('message catalogs (issue 13 §8: English and German complete)', () => {
  it('every language of the switch has a catalog file', () => {
    for (const locale of LOCALES) expect(fs.existsSync(path.join(LOCALE_DIR, `${locale}.po`)), locale).toBe(true);
    expect(english.size).toBeGreaterThan(500);
  });

  for (const locale of LOCALES.filter((l) => l !== 'en')) {
    it(`${locale} has every English message, none empty, with the same placeholders and tags`, () => {
      const translated = readPo(locale);
      const problems: string[] = [];
      for (const id of english.keys()) {
        const translation = translated.get(id);
        if (translation === undefined) problems.push(`missing: ${id}`);
        else if (translation.trim() === '') problems.push(`empty: ${id}`);
        else if (JSON.stringify(placeholders(translation)) !== JSON.stringify(placeholders(id))) problems.push(`placeholders differ: ${id} → ${translation}`);
      }
      for (const id of translated.keys()) if (!english.has(id)) problems.push(`obsolete: ${id}`);
      expect(problems).toEqual([]);
    });
  }


  it('the SPA compiles every English and German message exactly as Lingui does', () => {
    const german = readPo('de');
    for (const message of [...english.keys(), ...german.values()]) {
      expect(compileMessage(message), message).toEqual(linguiCompile(message));
    }
  });

  it('shared texts keep the English wording of packages/permissions (the API says the same)', () => {
    const source = (d: { message?: string }) => d.message;
    for (const [action, label] of Object.entries(AUDIT_ACTION_LABELS)) expect(source(AUDIT_ACTION_MESSAGES[action as keyof typeof AUDIT_ACTION_LABELS]), action).toBe(label);
    for (const [family, label] of Object.entries(AUDIT_FAMILY_LABELS)) expect(source(AUDIT_FAMILY_MESSAGES[family as keyof typeof AUDIT_FAMILY_LABELS]), family).toBe(label);
    for (const p of PERMISSION_CATALOG) expect(source(PERMISSION_DESCRIPTIONS[p.key]!), p.key).toBe(p.description);
  });
});
