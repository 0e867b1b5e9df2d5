/** The soak's result, what makes it fail, and the one summary it prints. */
import type { FailureRecord } from '../../src/control/wire.js';
import { seconds, type FaultRecord } from './faults.js';
import type { SettleOutcome } from './settle.js';
import type { JobCheck } from './verify.js';
import type { WriterCounts } from './writer.js';

export interface SoakResult {
  readonly seed: number;
  readonly minutes: number;
  readonly wallMs: number;
  readonly settled: SettleOutcome;
  readonly faults: readonly FaultRecord[];
  readonly writers: readonly { job: string; counts: WriterCounts }[];
  readonly checks: readonly JobCheck[];
  readonly failures: readonly (FailureRecord & { job: string })[];
}

const sum = (result: SoakResult, of: (check: JobCheck) => number) =>
  result.checks.reduce((total, check) => total + of(check), 0);

/** Why the soak failed; empty when it passed. */
export function verdict(result: SoakResult): string[] {
  const reasons: string[] = [];
  const lost = sum(result, (c) => c.missing.length);
  if (lost > 0) reasons.push(`${lost} files lost`);
  const differ = sum(result, (c) => c.wrong.length + c.extra.length + c.missingDirs.length);
  if (differ > 0) reasons.push(`iRODS differs from the sources in ${differ} places`);
  if (result.failures.length > 0) reasons.push(`${result.failures.length} files on failure lists`);
  const duplicates = sum(result, (c) => c.duplicates.unexplained.length);
  if (duplicates > 0) reasons.push(`${duplicates} duplicate uploads`);
  return reasons;
}

const count = (n: number) => n.toLocaleString('en-US');

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function clock(ms: number): string {
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** Up to `limit` lines of `items`, indented, with how many more there are. */
function sample(items: readonly string[], limit = 10): string[] {
  const lines = items.slice(0, limit).map((item) => `      ${item}`);
  if (items.length > limit) lines.push(`      ... and ${items.length - limit} more`);
  return lines;
}

export function formatSummary(result: SoakResult): string {
  const reasons = verdict(result);
  const lines = [
    `soak: ${result.minutes} min of writing and faults (SOAK_SEED=${result.seed}), wall time ${clock(result.wallMs)}`,
  ];
  for (const check of result.checks) {
    const writer = result.writers.find((w) => w.job === check.job)!.counts;
    lines.push(
      `  ${check.job}: ${count(check.files)} files, ${mib(check.bytes)}, ${count(check.dirs)} directories at the end;` +
        ` writer created ${count(writer.created)}, appended ${count(writer.appended)}, renamed ${count(writer.renamed)},` +
        ` removed ${count(writer.removed)} files; made ${writer.dirsCreated}, renamed ${writer.dirsRenamed}, removed ${writer.dirsRemoved} directories`,
    );
  }
  lines.push(
    `  files: ${count(sum(result, (c) => c.files))}, bytes: ${mib(sum(result, (c) => c.bytes))}`,
  );
  lines.push(`  faults ${reasons.length === 0 ? 'survived' : 'injected'}:`);
  for (const fault of result.faults) {
    lines.push(`    at ${clock(fault.atMs)} ${fault.name}: ${fault.note}`);
  }
  lines.push(
    `  settled: ${result.settled.rounds} rescan round(s), ${seconds(result.settled.ms)} after the writers stopped`,
  );
  if (result.settled.released.length > 0) {
    lines.push(
      `  deletes held by max_delete, released with allow-deletes: ${result.settled.released.join('; ')}`,
    );
  }
  lines.push(`  files lost: ${sum(result, (c) => c.missing.length)}`);
  for (const check of result.checks)
    lines.push(...sample(check.missing.map((p) => `${check.job}: ${p}`)));
  const differ = result.checks.flatMap((c) => [
    ...c.wrong.map((p) => `${c.job}: ${p}`),
    ...c.extra.map((p) => `${c.job}: extra ${p}`),
    ...c.missingDirs.map((p) => `${c.job}: no collection for ${p}/`),
  ]);
  lines.push(
    `  iRODS equals the sources: ${differ.length === 0 ? 'yes' : `no, ${differ.length} differences`}`,
  );
  lines.push(...sample(differ));
  lines.push(`  failures listed: ${result.failures.length}`);
  lines.push(...sample(result.failures.map((f) => `${f.job}: ${f.path}: ${f.message}`)));
  const unexplained = result.checks.flatMap((c) =>
    c.duplicates.unexplained.map((p) => `${c.job}: ${p}`),
  );
  const explained = result.checks.flatMap((c) =>
    c.duplicates.explained.map((p) => `${c.job}: ${p}`),
  );
  lines.push(
    `  duplicate uploads: ${unexplained.length}` +
      (explained.length > 0
        ? ` (and ${explained.length} re-sent after a kill -9 of the daemon sending them, as at-least-once delivery allows)`
        : ''),
  );
  lines.push(...sample(unexplained));
  lines.push(...sample(explained, 3));
  lines.push(`  result: ${reasons.length === 0 ? 'PASS' : `FAIL (${reasons.join('; ')})`}`);
  return lines.join('\n');
}
