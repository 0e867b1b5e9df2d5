/**
 * The names a handler module may export (types.ts `Handler`), and the check of a default export
 * against them: an unknown name (with the nearest known one), a member that is not a function,
 * an export that is not an object. Pure.
 */
import { closestWord } from '../core/suggest.js';
import type { Handler } from './types.js';

export const POLICY_MEMBERS = [
  'operation',
  'resource',
  'targetPath',
  'physicalPath',
  'metadata',
  'maxAttempts',
  'retryDelay',
  'timeout',
] as const;

/** The hooks around actions, by the action and its side: `pre${event}` / `post${event}`. */
export const HOOK_EVENTS = {
  dataObjCreate: 'DataObjCreate',
  dataObjModify: 'DataObjModify',
  dataObjDelete: 'DataObjDelete',
  collCreate: 'CollCreate',
  collDelete: 'CollDelete',
} as const;
export type HookEvent = (typeof HOOK_EVENTS)[keyof typeof HOOK_EVENTS];

export const PASS_HOOKS = ['prePass', 'postPass'] as const;

export const MEMBER_NAMES: readonly (keyof Handler)[] = [
  ...POLICY_MEMBERS,
  ...Object.values(HOOK_EVENTS).flatMap((event) => [`pre${event}`, `post${event}`] as const),
  ...PASS_HOOKS,
];

const KNOWN: ReadonlySet<string> = new Set(MEMBER_NAMES);

/** The handler's members, or every reason the default export is not a handler. */
export type MemberCheck = { handler: Handler } | { problems: string[] };

/**
 * Checks a module's default export. Members are its own enumerable properties and, for an
 * instance of a class, the methods of its prototypes.
 */
export function checkMembers(exported: unknown): MemberCheck {
  if (exported === undefined) {
    return { problems: ['has no default export (write `export default { ... }`)'] };
  }
  if (typeof exported !== 'object' || exported === null || Array.isArray(exported)) {
    return {
      problems: [
        `its default export is ${kindOf(exported)}, not an object of policy members and hooks`,
      ],
    };
  }
  const problems: string[] = [];
  for (const name of memberNames(exported)) {
    if (!KNOWN.has(name)) {
      problems.push(unknownMemberMessage(name));
      continue;
    }
    const value = (exported as Record<string, unknown>)[name];
    if (typeof value !== 'function') {
      problems.push(`member "${name}" is ${kindOf(value)}, not a function`);
    }
  }
  return problems.length > 0 ? { problems } : { handler: exported };
}

function memberNames(exported: object): string[] {
  const names = new Set(Object.keys(exported));
  for (
    let proto: object | null = Object.getPrototypeOf(exported) as object | null;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor') names.add(name);
    }
  }
  return [...names];
}

function unknownMemberMessage(name: string): string {
  const guess = closestWord(name, MEMBER_NAMES);
  return guess === undefined
    ? `unknown member "${name}" (the members are ${MEMBER_NAMES.join(', ')})`
    : `unknown member "${name}" (did you mean "${guess}"?)`;
}

/** "a string", "a function", "null", ... for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    case 'number':
      return `a number (${value})`;
    case 'string':
      return `a string (${JSON.stringify(value)})`;
    default:
      return `a ${typeof value}`;
  }
}
