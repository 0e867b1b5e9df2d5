import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DELETE_MODES,
  OPERATIONS,
  allowedDeleteModes,
  excludeGlobs,
  handlerProblem,
  jobNameProblem,
  sourceMarkerProblem,
  sourceProblem,
  targetOverlap,
  targetProblem,
  trimTrailingSlashes,
} from '../../../src/core/job-rules.js';

describe('job rules', () => {
  it('pairs delete modes with operations as upstream does', () => {
    const allowed = Object.values(OPERATIONS).flatMap((operation) =>
      Object.values(DELETE_MODES)
        .filter((mode) => allowedDeleteModes(operation).includes(mode))
        .map((mode) => `${operation}+${mode}`),
    );
    assert.deepEqual(allowed, [
      'register+keep',
      'register+unregister',
      'register_replica+keep',
      'register_replica+unregister',
      'put+keep',
      'put_sync+keep',
      'put_sync+trash',
      'put_sync+no_trash',
      'put_append+keep',
      'put_append+trash',
      'put_append+no_trash',
      'none+keep',
    ]);
  });

  it('accepts targets inside the zone only', () => {
    const table: [string, string | undefined][] = [
      ['/tempZone/home/rods/a', undefined],
      ['/tempZone/a b+c', undefined],
      ['/', 'is "/"; the root may only hold zones, use a collection inside the zone'],
      ['/tempZone', 'is the zone itself; use a collection inside it, e.g. "/tempZone/home/..."'],
      ['/otherZone/home', 'is outside the zone "tempZone" (it must start with "/tempZone/")'],
      ['/tempZoneX/home', 'is outside the zone "tempZone" (it must start with "/tempZone/")'],
      ['tempZone/home', 'is not a valid logical path: it is not absolute'],
      ['/tempZone//home', 'is not a valid logical path: it has an empty segment'],
      ['/tempZone/home/../x', 'has a "." or ".." element; write the collection path out in full'],
      ['/tempZone/./x', 'has a "." or ".." element; write the collection path out in full'],
    ];
    for (const [target, problem] of table)
      assert.equal(targetProblem(target, 'tempZone'), problem, target);
    assert.equal(targetProblem('/anyZone/x', undefined), undefined);
  });

  it('trims trailing slashes from targets but keeps the root', () => {
    assert.equal(trimTrailingSlashes('/tempZone/home/'), '/tempZone/home');
    assert.equal(trimTrailingSlashes('/tempZone/home//'), '/tempZone/home');
    assert.equal(trimTrailingSlashes('/'), '/');
    assert.equal(trimTrailingSlashes('//'), '/');
  });

  it('accepts absolute sources and s3 buckets', () => {
    const table: [string, boolean][] = [
      ['/data/a', true],
      ['s3://raw-data', true],
      ['s3://raw-data/runs/2024', true],
      ['data/a', false],
      ['/data/../etc', false],
      ['s3://Raw_Data/x', false],
      ['s3://', false],
      ['gs://bucket/x', false],
    ];
    for (const [source, ok] of table) assert.equal(sourceProblem(source) === undefined, ok, source);
  });

  it('checks job names and handler paths', () => {
    assert.equal(jobNameProblem('scope-1.v2_a'), undefined);
    assert.notEqual(jobNameProblem(''), undefined);
    assert.notEqual(jobNameProblem('a b'), undefined);
    assert.notEqual(jobNameProblem('x'.repeat(65)), undefined);
    assert.equal(handlerProblem(''), undefined);
    assert.equal(handlerProblem('/etc/h.mjs'), undefined);
    assert.equal(handlerProblem('/etc/h.js'), undefined);
    assert.equal(handlerProblem('/etc/h.ts'), undefined);
    assert.equal(handlerProblem('/etc/h.py'), 'must be a .mjs, .js or .ts module');
    assert.equal(handlerProblem('h.mjs'), 'is not an absolute path');
  });

  it('takes a plain file name as source marker', () => {
    const table: [string, boolean][] = [
      ['', true],
      ['.irods-ingest', true],
      ['.stfolder', true],
      ['MOUNTED', true],
      ['a/b', false],
      ['.', false],
      ['..', false],
      ['*.mark', false],
      ['[x]', false],
    ];
    for (const [name, ok] of table) assert.equal(sourceMarkerProblem(name) === undefined, ok, name);
    assert.deepEqual(excludeGlobs(['**/*.tmp'], '.mark'), ['**/*.tmp', '.mark']);
    assert.deepEqual(excludeGlobs(['**/*.tmp'], ''), ['**/*.tmp']);
  });

  it('tells equal and nested targets', () => {
    const table: [string, string, ReturnType<typeof targetOverlap>][] = [
      ['/z/home/t', '/z/home/t', 'equal'],
      ['/z/home/t/b', '/z/home/t', 'inside'],
      ['/z/home/t', '/z/home/t/b', 'around'],
      ['/z/home/t2', '/z/home/t', undefined],
      ['/z/home/tb', '/z/home/t', undefined],
    ];
    for (const [a, b, relation] of table) assert.equal(targetOverlap(a, b), relation, `${a} ${b}`);
  });
});
