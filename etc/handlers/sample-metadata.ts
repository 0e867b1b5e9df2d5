/**
 * Example handler: metadata from the file name and from a JSON sidecar.
 *
 * Instrument files named `<sample>_<date>_<seq>.tif` (e.g. `S042_20240611_0007.tif`) get the
 * AVUs `sample`, `acquired` (the date as 2024-06-11) and `sequence`. A sidecar with the same
 * stem and `.json` (`S042_20240611_0007.json`) beside the file adds its top-level values as
 * AVUs (they win over the name's); the sidecar itself is not ingested (operation `none`).
 * Instruments should write the sidecar before the image: the image's AVUs are set when it is
 * ingested (or changes), not when its sidecar changes later.
 *
 * Enable it with `handler = "/etc/irods-ingest/handlers/sample-metadata.ts"` in a job.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Handler } from 'irods-ingest/handler';

const NAME = /^(?<sample>[A-Za-z0-9-]+)_(?<date>\d{8})_(?<seq>\d+)\.tif$/;

/** `dir/S042_20240611_0007.tif` → `dir/S042_20240611_0007.json`. */
function sidecarOf(path: string): string {
  return path.replace(/\.tif$/, '.json');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The sidecar's top-level strings, numbers and booleans; nothing when there is no sidecar. */
async function sidecarValues(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(sidecarOf(path), 'utf8');
  } catch {
    return {};
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const kind = typeof value;
    if (kind === 'string' || kind === 'number' || kind === 'boolean') values[key] = String(value);
  }
  return values;
}

export default {
  /** A sidecar whose image lies beside it is metadata, not data. */
  async operation(file) {
    if (file.type !== 'file' || !file.name.endsWith('.json')) return undefined;
    const image = file.path.replace(/\.json$/, '.tif');
    return (await exists(image)) ? 'none' : undefined;
  },

  async metadata(file) {
    const match = NAME.exec(file.name);
    if (file.type !== 'file' || match?.groups === undefined) return undefined;
    const { sample, date, seq } = match.groups as { sample: string; date: string; seq: string };
    const acquired = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
    return { sample, acquired, sequence: String(Number(seq)), ...(await sidecarValues(file.path)) };
  },
} satisfies Handler;
