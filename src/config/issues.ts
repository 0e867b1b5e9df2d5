/**
 * Zod issues rewritten for operators: TOML type names, the value found, the accepted values, and
 * a "did you mean" for misspelt keys. One issue may become several findings (one per unknown key).
 */
import type { z } from 'zod';
import { closestWord } from '../core/suggest.js';
import type { PathSegment } from './key-path.js';
import { isTable } from './merge.js';
import { KNOWN_KEYS } from './schema.js';

export interface Finding {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export function findingsOf(issue: z.core.$ZodIssue, data: unknown): Finding[] {
  const path = issue.path.filter((segment) => typeof segment !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: unknownKeyMessage(path, key),
      }));
    case 'invalid_type':
      return [{ path, message: invalidTypeMessage(issue.expected, valueAt(data, path), path) }];
    case 'invalid_value':
      return [
        {
          path,
          message: `is ${showValue(valueAt(data, path))}; use one of: ${issue.values.map(String).join(', ')}`,
        },
      ];
    case 'too_small':
      return [
        {
          path,
          message: `is ${showValue(valueAt(data, path))}; the minimum is ${String(issue.minimum)}`,
        },
      ];
    case 'too_big':
      return [
        {
          path,
          message: `is ${showValue(valueAt(data, path))}; the maximum is ${String(issue.maximum)}`,
        },
      ];
    default:
      return [{ path, message: issue.message }];
  }
}

function unknownKeyMessage(tablePath: readonly PathSegment[], key: string): string {
  // Array indexes drop out: ['job', 0, 's3'] is the table `job.s3`.
  const table = tablePath.filter((segment) => typeof segment === 'string').join('.');
  const known = (KNOWN_KEYS as Record<string, readonly string[]>)[table];
  const guess = known === undefined ? undefined : closestWord(key, known);
  return guess === undefined ? 'unknown key' : `unknown key (did you mean "${guess}"?)`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  int: 'an integer',
  number: 'an integer',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'a table',
  record: 'a table',
};

function invalidTypeMessage(
  expected: string,
  value: unknown,
  path: readonly PathSegment[],
): string {
  const wanted = TYPE_NAMES[expected] ?? expected;
  if (value === undefined) {
    return expected === 'object'
      ? `is required (add a [${path.map(String).join('.')}] table)`
      : 'is required';
  }
  return `expected ${wanted}, found ${describeValue(value)}`;
}

/** A value as the operator wrote it, with its TOML type when that is the point. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value)} (a string)`;
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : `${value} (a float)`;
  if (typeof value === 'boolean') return `${value} (a boolean)`;
  if (value instanceof Date) return 'a date-time';
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  return String(value);
}

function showValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isTable(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}
