/**
 * What landed in iRODS after the demo's pass: the collection tree through the project's own
 * client (GenQuery, paged), a few objects in full, and every object checked against its source
 * file (size and SHA-256). Exit 1 when the listing does not match the source tree or the pass
 * had failures. Usage: listing.ts IRODS_URL TARGET SOURCE MANIFEST JOB_STATUS_JSON
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JobStatus } from '../../src/control/wire.js';
import { formatBytes, formatDuration } from '../../src/core/pass-summary.js';
import { IrodsClient } from '../../src/irods/index.js';

const [url, target, source, manifestFile, statusFile] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
interface Manifest {
  files: number;
  dirs: number;
  bytes: number;
  excluded: number;
}
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
const job = JSON.parse(readFileSync(statusFile, 'utf8')) as JobStatus;
const ORIGINAL = 'irods::ingest::original_name';

/** Bytes as text, with \xNN for those that are not UTF-8. */
function printable(bytes: Buffer): string {
  try {
    return JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return JSON.stringify(bytes.toString('latin1')).replace(
      /[\u0080-\u00ff]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16)}`,
    );
  }
}

const client = new IrodsClient({ url, username: 'rods', password: 'rods' });
await client.connect();
const inTarget = [{ column: 'COLL_NAME', op: 'like', value: `${target}%` }] as const;
const within = (coll: string) => coll === target || coll.startsWith(`${target}/`);
const collections = (await client.query.rows({ select: ['COLL_NAME'], where: [...inTarget] }))
  .map((row) => row.COLL_NAME)
  .filter(within)
  .sort();
const objects = (
  await client.query.rows({
    select: ['COLL_NAME', 'DATA_NAME', 'DATA_SIZE', 'DATA_CHECKSUM'],
    where: [...inTarget],
  })
).filter((row) => within(row.COLL_NAME));
const originals = new Map(
  (
    await client.query.rows({
      select: ['COLL_NAME', 'DATA_NAME', 'META_DATA_ATTR_VALUE'],
      where: [...inTarget, { column: 'META_DATA_ATTR_NAME', op: '=', value: ORIGINAL }],
    })
  ).map((row) => [`${row.COLL_NAME}/${row.DATA_NAME}`, row.META_DATA_ATTR_VALUE]),
);

// The collection tree, with each collection's own objects and bytes.
const perCollection = new Map(collections.map((coll) => [coll, { count: 0, bytes: 0 }]));
for (const row of objects) {
  const stats = perCollection.get(row.COLL_NAME) ?? { count: 0, bytes: 0 };
  perCollection.set(row.COLL_NAME, stats);
  stats.count++;
  stats.bytes += Number(row.DATA_SIZE);
}
for (const coll of collections) {
  const depth = coll === target ? 0 : coll.slice(target.length).split('/').length - 1;
  const name = coll === target ? target : coll.slice(coll.lastIndexOf('/') + 1);
  const { count, bytes } = perCollection.get(coll)!;
  const label = `${'  '.repeat(depth + 1)}${name}/`;
  const hasChildren = collections.some((other) => other.startsWith(`${coll}/`));
  const shown =
    count > 0
      ? `${count} object${count === 1 ? '' : 's'}, ${formatBytes(bytes)}`
      : hasChildren
        ? ''
        : '(empty)';
  console.log(`${label.padEnd(56)} ${shown}`.trimEnd());
}

// Every object against its source file: the relative path is the logical one, except for
// mapped names, whose original bytes are in their AVU.
let intact = 0;
const problems: string[] = [];
for (const row of objects) {
  const logical = `${row.COLL_NAME}/${row.DATA_NAME}`;
  const original = originals.get(logical);
  const relPath = original
    ? Buffer.from(original, 'base64')
    : Buffer.from(logical.slice(target.length + 1));
  const bytes = readFileSync(Buffer.concat([Buffer.from(`${source}/`), relPath]));
  const sha2 = `sha2:${createHash('sha256').update(bytes).digest('base64')}`;
  if (Number(row.DATA_SIZE) === bytes.length && row.DATA_CHECKSUM === sha2) intact++;
  else {
    problems.push(
      `${logical}: size ${row.DATA_SIZE}, ${row.DATA_CHECKSUM}; local ${bytes.length}, ${sha2}`,
    );
  }
}

console.log('\n  a few objects in full:');
const show = [
  objects.find((row) => row.DATA_NAME.startsWith('frame-') && Number(row.DATA_SIZE) > 0),
  objects.find((row) => row.DATA_NAME === 'empty.flag'),
  ...objects.filter((row) => row.COLL_NAME === `${target}/odd names`),
].filter((row) => row !== undefined);
for (const row of show) {
  const logical = `${row.COLL_NAME}/${row.DATA_NAME}`;
  const avus = await client.metadata.list('data_object', logical);
  console.log(`    ${JSON.stringify(logical.slice(target.length + 1)).slice(1, -1)}`);
  console.log(`      ${row.DATA_SIZE} bytes, ${row.DATA_CHECKSUM}`);
  for (const avu of avus) {
    const value =
      avu.attribute === ORIGINAL
        ? `${avu.value} (${printable(Buffer.from(avu.value, 'base64'))})`
        : avu.value;
    console.log(`      ${avu.attribute} = ${value}`);
  }
}
await client.close();

const totalBytes = objects.reduce((sum, row) => sum + Number(row.DATA_SIZE), 0);
const { current } = job;
const durationMs =
  job.passStartedAt && job.passEndedAt
    ? Date.parse(job.passEndedAt) - Date.parse(job.passStartedAt)
    : 0;
console.log('\n  counts:');
console.log(
  `    pass: ${current.seen} seen, ${current.new} new, ${current.updated} updated, ${current.excluded} excluded, ${current.failed} failed, ${formatBytes(current.bytes)} sent in ${formatDuration(durationMs)}`,
);
console.log(
  `    source: ${manifest.files} files in ${manifest.dirs} directories (${formatBytes(manifest.bytes)}), ${manifest.excluded} excluded by "**/*.tmp"`,
);
console.log(
  `    iRODS:  ${objects.length} data objects in ${collections.length - 1} collections below the target (${formatBytes(totalBytes)})`,
);
console.log(
  `    ${intact} of ${objects.length} objects match their source file's size and SHA-256`,
);
for (const problem of problems.slice(0, 10)) console.log(`    MISMATCH ${problem}`);
const complete =
  objects.length === manifest.files &&
  collections.length - 1 === manifest.dirs &&
  intact === objects.length;
if (!complete) console.log('    the listing does not match the source tree');
process.exitCode = complete && current.failed === 0 ? 0 : 1;
