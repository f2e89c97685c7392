/**
 * Keeps the import direction of docs/design.md "Layout and import direction": index → client/pool → query → protocol → wire; codecs used by query and
 * client; transport only by client; sql/ (the one SQL scanner) by anything above protocol/, importing only errors;
 * errors and diagnostics by anyone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Module specifiers imported by a file, resolved to src-relative paths for local ones. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
  return specs.map((s) => (s.startsWith('.') ? relative(SRC, join(file, '..', s)).replace(/\.js$/, '.ts') : s));
}

const files = sourceFiles(SRC).map((f) => ({ path: relative(SRC, f), imports: importsOf(f) }));

/** [file pattern, forbidden import pattern, why] */
const RULES: [RegExp, RegExp, string][] = [
  [/^errors\.ts$/, /^(?!node:)[^/]*\.ts$|\//, 'errors.ts imports nothing else from src/'],
  [/^timers\.ts$/, /./, 'timers.ts imports nothing'],
  [/^types\.ts$/, /^(?!errors\.ts$)/, 'types.ts, the one module of public types, imports nothing but error types'],
  [/^pool/, /^(protocol|codecs|transport)\//, 'the pool sees clients and result types, never the protocol, codecs or sockets'],
  [/^protocol\//, /^(query|codecs|transport|sql)\/|^(client|pool|index|config)\.ts$/, 'protocol/ is below query/ and knows no codecs or sockets'],
  [/^codecs\//, /^(protocol|query|transport|sql)\/|^(client|pool|index)\.ts$/, 'codecs/ are leaves'],
  [/^sql\//, /^(?!errors\.ts$|sql\/)/, 'sql/ imports nothing but errors.ts'],
  [/^(protocol|transport|config)\/|^(config|diagnostics)\.ts$/, /^sql\//, 'sql/ is used above protocol/ only'],
  [/^query\//, /^(transport)\/|^(client|pool|index)\.ts$/, 'query/ never reaches up to the client or the socket'],
  [/^transport\//, /^(protocol|query|codecs)\/|^(client|pool|index)\.ts$/, 'transport/ is used only by the client'],
  // config/checks.ts imports node:net for isIP() only.
  [/^(?!transport\/|config\/checks\.ts$)/, /^node:(net|tls)$/, 'only transport/ opens sockets'],
  [/^(?!protocol\/wire\.ts$)/, /^pg-protocol/, 'only protocol/wire.ts imports pg-protocol'],
  [/^(?!kysely\/|drizzle\/)/, /^(kysely|drizzle-orm)(\/|$)/, 'the core never loads the optional peers kysely and drizzle-orm'],
  [/^(?!arrow\/)/, /^apache-arrow(\/|$)|^arrow\//, 'the core never loads cratewire/arrow or its optional peer apache-arrow'],
  [/^arrow\//, /^(transport|sql)\/|^(client|pool|config)\.ts$|^protocol\/(?!wire\.ts$)/, 'cratewire/arrow runs queries through the public client and pool (index.ts) and the row-sink seam of query/'],
  [/^(kysely|drizzle)\//, /^(?!index\.ts$|kysely\/|drizzle\/|node:|kysely$|drizzle-orm)/, 'the integrations use cratewire through its public index.ts only'],
];

describe('import direction', () => {
  it('finds the source files', () => {
    expect(files.map((f) => f.path)).toContain('protocol/session.ts');
  });

  it.each(RULES)('%s must not import %s', (filePattern, forbidden) => {
    const violations = files
      .filter((f) => filePattern.test(f.path))
      .flatMap((f) => f.imports.filter((i) => forbidden.test(i)).map((i) => `${f.path} → ${i}`));
    expect(violations).toEqual([]);
  });
});

describe('one encoder (docs/design.md "Layout and import direction")', () => {
  it('only protocol/frontend.ts takes pg-protocol\'s serializer from protocol/wire.ts: frontend bytes are produced there', () => {
    const users = sourceFiles(SRC)
      .filter((f) => /import\s*\{[^}]*\bserialize\b[^}]*\}\s*from\s*'[^']*wire\.js'/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(users).toEqual(['protocol/frontend.ts']);
  });
});
