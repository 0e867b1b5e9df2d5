/**
 * The demo's sample tree: nested runs of "instrument" output with a spread of sizes (some empty),
 * empty directories, odd names, and *.tmp files the job excludes. Writes a manifest of what should
 * land in iRODS. Usage: tree.ts ROOT FILES MANIFEST
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [root, countText, manifestFile] = process.argv.slice(2) as [string, string, string];
const count = Number(countText);
const files: (string | Buffer)[] = [];
const dirs = new Set<string>();
let bytes = 0;
let excluded = 0;

function dir(rel: string): void {
  mkdirSync(join(root, rel), { recursive: true });
  let path = '';
  for (const part of rel.split('/')) dirs.add((path = path ? `${path}/${part}` : part));
}

function file(rel: string | Buffer, data: Buffer): void {
  writeFileSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from(rel)]), data);
  files.push(rel);
  bytes += data.length;
}

function content(i: number, size: number): Buffer {
  return Buffer.from(`sample ${i} `.repeat(Math.ceil(size / 8) + 1)).subarray(0, size);
}

dir('odd names');
const odd = [
  'with space.txt',
  `quote's "double".txt`,
  'hash#percent%amp&equals=semi;.txt',
  'tab\there.txt',
  'plus+sign+both+ways.txt',
  'données été 数据 данные.txt',
  'rocket 🚀.txt',
  '-leading-dash',
  '.hidden',
];
odd.forEach((name, i) => file(`odd names/${name}`, content(i, 100 + i)));
// Not valid UTF-8 (Latin-1 é): iRODS cannot hold it, so it is mapped reversibly.
file(
  Buffer.from([...Buffer.from('odd names/latin1-'), 0xe9, ...Buffer.from('.txt')]),
  content(90, 90),
);
dir('empty directory');
dir('projects/empty-run/raw');

let made = files.length;
for (let p = 1; p <= 3; p++) {
  for (let r = 1; r <= 4; r++) {
    const run = `projects/project-${p}/run-${String(r).padStart(2, '0')}`;
    for (const sub of ['raw', 'processed/thumbnails', 'processed/tables']) dir(`${run}/${sub}`);
    file(`${run}/empty.flag`, Buffer.alloc(0));
    writeFileSync(join(root, run, 'partial.tmp'), 'in progress');
    excluded++;
    made++;
  }
}
const runDirs = [...dirs].filter((d) => /run-\d+\/(raw|processed\/\w+)$/.test(d));
for (let i = 0; made < count; i++, made++) {
  const where = runDirs[i % runDirs.length]!;
  const size = (i * 2654435761) % 8193; // 0 to 8 KiB, a few empty
  file(`${where}/frame-${String(i).padStart(5, '0')}.dat`, content(i, size));
}
writeFileSync(
  manifestFile,
  JSON.stringify({ files: files.length, dirs: dirs.size, bytes, excluded }),
);
console.log(
  `  ${files.length} files (${bytes} bytes) in ${dirs.size} directories, ${excluded} *.tmp files to exclude`,
);
