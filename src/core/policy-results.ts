/**
 * What an event handler's policy members may return, checked before the daemon acts on it
 * (design.md "Event handlers"). Each check gives the usable value, or the problem in words that
 * finish "<member> returned ...". Pure.
 */
import {
  allowedDeleteModes,
  DELETE_MODES,
  OPERATIONS,
  type DeleteMode,
  type Operation,
} from './job-rules.js';
import { isWithin, logicalPathProblem } from './logical-path.js';

export type Checked<T> = { value: T } | { problem: string };

const OPERATION_NAMES: readonly string[] = Object.values(OPERATIONS);

/** An operation name that goes with the job's delete mode (as the config requires of the job). */
export function checkOperation(value: unknown, deleteMode: DeleteMode): Checked<Operation> {
  if (typeof value !== 'string' || !OPERATION_NAMES.includes(value)) {
    return { problem: `${show(value)}; use one of ${OPERATION_NAMES.join(', ')}` };
  }
  const operation = value as Operation;
  if (operation !== OPERATIONS.none && !allowedDeleteModes(operation).includes(deleteMode)) {
    const allowed = Object.values(DELETE_MODES).filter((mode) =>
      allowedDeleteModes(operation).includes(mode),
    );
    return {
      problem: `"${operation}", which does not go with the job's delete = "${deleteMode}" (it allows ${allowed.join(', ')})`,
    };
  }
  return { value: operation };
}

export function checkResource(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value === '' || /[\s/]/.test(value)) {
    return { problem: `${show(value)}; a resource is a non-empty name` };
  }
  return { value };
}

/** A logical path strictly below the job's target: a handler never writes outside it. */
export function checkTargetPath(value: unknown, target: string): Checked<string> {
  if (typeof value !== 'string') return { problem: `${show(value)}, not a logical path` };
  const shape = logicalPathProblem(value);
  if (shape !== undefined) return { problem: `${show(value)}: ${shape}` };
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
    return { problem: `${show(value)}, which has a "." or ".." element` };
  }
  if (value === target || !isWithin(value, target)) {
    return { problem: `${show(value)}, which is not below the job's target ${target}` };
  }
  return { value };
}

export function checkPhysicalPath(value: unknown): Checked<string> {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0')) {
    return { problem: `${show(value)}, not an absolute path` };
  }
  return { value };
}

export interface AvuValue {
  readonly attribute: string;
  readonly value: string;
  readonly units?: string;
}

/** `{ attr: value }` or `[{ attribute, value, units? }]`, attributes and values non-empty. */
export function checkAvus(value: unknown): Checked<AvuValue[]> {
  const list: unknown[] = Array.isArray(value)
    ? value
    : isRecord(value)
      ? Object.entries(value).map(([attribute, v]) => ({ attribute, value: v }))
      : [];
  if (!Array.isArray(value) && !isRecord(value)) {
    return { problem: `${show(value)}, not AVUs ({ attribute: value } or a list)` };
  }
  const avus: AvuValue[] = [];
  for (const item of list) {
    const avu = isRecord(item) ? item : {};
    const { attribute, value: avuValue, units } = avu;
    const good =
      typeof attribute === 'string' &&
      attribute !== '' &&
      typeof avuValue === 'string' &&
      avuValue !== '' &&
      (units === undefined || typeof units === 'string');
    if (!good) {
      return { problem: `an AVU ${show(item)}; attributes and values are non-empty strings` };
    }
    avus.push(
      units === undefined || units === ''
        ? { attribute, value: avuValue }
        : { attribute, value: avuValue, units },
    );
  }
  return { value: avus };
}

/**
 * The job's AVUs with the handler's: on an attribute both name, the handler's values (all of
 * them) replace the job's.
 */
export function mergeAvus(
  job: Readonly<Record<string, string>>,
  handler: readonly AvuValue[],
): AvuValue[] {
  const named = new Set(handler.map((avu) => avu.attribute));
  const kept = Object.entries(job)
    .filter(([attribute]) => !named.has(attribute))
    .map(([attribute, value]) => ({ attribute, value }));
  return [...kept, ...handler];
}

export function checkAttempts(value: unknown): Checked<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    return { problem: `${show(value)}; tries are a whole number of at least 1` };
  }
  return { value };
}

/** Milliseconds: at least `min`, finite. */
export function checkMillis(value: unknown, min: number): Checked<number> {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    return { problem: `${show(value)}; expected milliseconds, at least ${min}` };
  }
  return { value };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
