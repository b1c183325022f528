import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import dispatchDe from './dispatch.de.json';
import dispatchEn from './dispatch.en.json';
import deMain from './de.json';
import enMain from './en.json';
import receivablesDe from './receivables.de.json';
import receivablesEn from './receivables.en.json';

// As index.ts merges them.
const de = { ...deMain, dispatchUi: dispatchDe, receivables: receivablesDe.ui, errors: { ...deMain.errors, ...receivablesDe.errors } };
const en = { ...enMain, dispatchUi: dispatchEn, receivables: receivablesEn.ui, errors: { ...enMain.errors, ...receivablesEn.errors } };

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const srcDir = join(import.meta.dirname, '..');

describe('translations', () => {
  it('English is complete: the same keys as German', () => {
    expect(keys(en).sort()).toEqual(keys(de).sort());
  });

  it('every literal key used in the code exists', () => {
    const known = new Set(keys(de));
    const used = new Set<string>();
    for (const file of sources(srcDir)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) if (match[1]) used.add(match[1]);
    }
    expect([...used].filter((k) => !known.has(k))).toEqual([]);
  });

  it('no key is left unused (a key is used if its literal or a `prefix.${…}` template names it)', () => {
    const code = sources(srcDir)
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const literals = new Set([...code.matchAll(/['"`]([a-zA-Z0-9_]+(?:\.[a-zA-Z0-9_]+)+)['"`]/g)].flatMap((m) => (m[1] ? [m[1]] : [])));
    const prefixes = [...code.matchAll(/`([a-zA-Z0-9_.]+)\.\$\{/g)].flatMap((m) => (m[1] ? [`${m[1]}.`] : []));
    const unused = keys(de).filter((key) => {
      const base = key.replace(/_(zero|one|two|few|many|other)$/, '');
      // Error codes come from the server (checked below), not from literals in the web code.
      return !key.startsWith('errors.') && !literals.has(key) && !literals.has(base) && !prefixes.some((p) => key.startsWith(p));
    });
    expect(unused).toEqual([]);
  });

  it('every error code the server raises has a message', () => {
    const known = new Set(keys(de));
    const serverDir = join(srcDir, '..', '..', 'src');
    const codes = new Set<string>();
    for (const file of sources(serverDir)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:validationError|conflict)\(\s*'([a-z][a-zA-Z]*\.[a-zA-Z]+)'/g)) if (m[1]) codes.add(m[1]);
      for (const m of text.matchAll(/new AppError\(\s*'[a-zA-Z]+',\s*'([a-z][a-zA-Z]*\.[a-zA-Z]+)'/g)) if (m[1]) codes.add(m[1]);
    }
    expect([...codes].filter((c) => !known.has(`errors.${c}`)).sort()).toEqual([]);
  });
});
