/**
 * The golden corpus: each case is the configuration an operator wrote and the exact text
 * `--check-config` prints for it. A case is a pair `NAME.toml` + `NAME.expected`, or a folder
 * `NAME/` with `ingestd.toml`, `expected`, optional `conf.d/`, and optional `files.json`
 * ({ "relative/path": { "content", "mode" } }) and `env.json` for password files, handler
 * modules and $CREDENTIALS_DIRECTORY. Every case runs in its own temp dir, where `irods.password` (mode 0640)
 * already exists; "@DIR@" in inputs and expected text stands for that dir, "@UID@" and "@GID@" in
 * expected text for the owner of the files the case lays out (whoever runs the tests).
 *
 * UPDATE_GOLDEN=1 rewrites the expected files from the current output; review the diff.
 */
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { checkConfigReport } from '../../../src/config/index.js';
import { HandlerRegistry } from '../../../src/handlers/registry.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const SECRET = 'golden-secret-7f3a';
const update = process.env.UPDATE_GOLDEN === '1';

interface GoldenCase {
  readonly name: string;
  /** Where the case lives: a folder, or the .toml of a pair. */
  readonly input: string;
  readonly expectedFile: string;
}

async function listCases(): Promise<GoldenCase[]> {
  const entries = await readdir(GOLDEN, { withFileTypes: true });
  const cases: GoldenCase[] = [];
  for (const entry of entries) {
    const input = join(GOLDEN, entry.name);
    if (entry.isDirectory()) {
      cases.push({ name: entry.name, input, expectedFile: join(input, 'expected') });
    } else if (entry.name.endsWith('.toml')) {
      const name = entry.name.slice(0, -'.toml'.length);
      cases.push({ name, input, expectedFile: join(GOLDEN, `${name}.expected`) });
    }
  }
  return cases.sort((a, b) => a.name.localeCompare(b.name));
}

interface FileSpec {
  readonly content: string;
  readonly mode: string;
}

/** Lays the case out in `dir`; returns the environment it runs with. */
async function prepare(goldenCase: GoldenCase, dir: string): Promise<Record<string, string>> {
  const substitute = (text: string): string => text.replaceAll('@DIR@', dir);
  await writeFile(join(dir, 'irods.password'), `${SECRET}\n`, { mode: 0o640 });
  await chmod(join(dir, 'irods.password'), 0o640);
  if (!goldenCase.input.endsWith('.toml')) {
    await cp(goldenCase.input, dir, {
      recursive: true,
      filter: (source) => !/\/(expected|files\.json|env\.json)$/.test(source),
    });
  } else {
    await cp(goldenCase.input, join(dir, 'ingestd.toml'));
  }
  for (const file of await readdir(dir, { recursive: true })) {
    if (!file.endsWith('.toml')) continue;
    const path = join(dir, file);
    await writeFile(path, substitute(await readFile(path, 'utf8')));
  }
  const specs = await readJson<Record<string, FileSpec>>(join(goldenCase.input, 'files.json'));
  for (const [relative, spec] of Object.entries(specs ?? {})) {
    const path = join(dir, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, spec.content);
    await chmod(path, parseInt(spec.mode, 8));
  }
  const env = await readJson<Record<string, string>>(join(goldenCase.input, 'env.json'));
  return Object.fromEntries(
    Object.entries(env ?? {}).map(([key, value]) => [key, substitute(value)]),
  );
}

/** Who runs the tests owns the case's files: their ids read as @UID@ and @GID@. */
function ownerNeutral(text: string): string {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  return text
    .replaceAll(`owner uid ${uid},`, 'owner uid @UID@,')
    .replaceAll(`group gid ${gid})`, 'group gid @GID@)');
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      return undefined;
    }
    throw error;
  }
}

describe('check-config golden corpus', async () => {
  const cases = await listCases();

  it('holds at least 30 bad configurations and several good ones', () => {
    const good = cases.filter((goldenCase) => goldenCase.name.startsWith('good-'));
    assert.ok(cases.length - good.length >= 30, `${cases.length - good.length} bad cases`);
    assert.ok(good.length >= 3, `${good.length} good cases`);
  });

  for (const goldenCase of cases) {
    it(`prints the expected report for ${goldenCase.name}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ingest-golden-'));
      try {
        const env = await prepare(goldenCase, dir);
        // As `--check-config` does: the jobs' handler modules are imported and checked too.
        const handlers = new HandlerRegistry(process.geteuid?.() ?? 0).round();
        const report = await checkConfigReport(join(dir, 'ingestd.toml'), env, { handlers });
        const text = `${ownerNeutral(report.text.replaceAll(dir, '@DIR@'))}\n`;
        if (update) await writeFile(goldenCase.expectedFile, text);
        const expected = await readFile(goldenCase.expectedFile, 'utf8');
        assert.equal(text, expected);
        assert.equal(report.ok, goldenCase.name.startsWith('good-'), 'ok matches the case kind');
        assert.ok(!report.text.includes(SECRET), 'the secret never appears in a report');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
