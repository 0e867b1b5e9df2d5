import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planJobs } from '../../../src/core/job-plan.js';

const map = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('planJobs', () => {
  const cases: {
    name: string;
    running: Record<string, string>;
    wanted: Record<string, string>;
    plan: { start: string[]; stop: string[]; replace: string[] };
  }[] = [
    {
      name: 'starts every job when nothing runs',
      running: {},
      wanted: { a: '1', b: '2' },
      plan: { start: ['a', 'b'], stop: [], replace: [] },
    },
    {
      name: 'leaves a job alone whose definition is the same',
      running: { a: '1' },
      wanted: { a: '1' },
      plan: { start: [], stop: [], replace: [] },
    },
    {
      name: 'replaces a job whose definition changed',
      running: { a: '1', b: '2' },
      wanted: { a: '1', b: '3' },
      plan: { start: [], stop: [], replace: ['b'] },
    },
    {
      name: 'stops a job no longer wanted and starts a new one',
      running: { a: '1', b: '2' },
      wanted: { b: '2', c: '4' },
      plan: { start: ['c'], stop: ['a'], replace: [] },
    },
    {
      name: 'stops everything when nothing is wanted',
      running: { a: '1' },
      wanted: {},
      plan: { start: [], stop: ['a'], replace: [] },
    },
  ];
  for (const { name, running, wanted, plan } of cases) {
    it(name, () => {
      assert.deepEqual(planJobs(map(running), map(wanted)), plan);
    });
  }
});
