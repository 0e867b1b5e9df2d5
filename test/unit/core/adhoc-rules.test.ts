import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adhocOffMessage,
  adhocSourceRootProblem,
  adhocTargetRootProblem,
  isUnderLocalRoot,
  isUnderS3Root,
  s3Location,
} from '../../../src/core/adhoc-rules.js';

describe('ad-hoc bounds', () => {
  it('compares local paths on whole components', () => {
    const table: [string, string, boolean][] = [
      ['/data/a', '/data/a', true],
      ['/data/a/x', '/data/a', true],
      ['/data/a/x/', '/data/a/', true],
      ['/data/ab', '/data/a', false],
      ['/data/a-b/x', '/data/a', false],
      ['/data', '/data/a', false],
      ['/etc/passwd', '/', true],
      ['/data/A/x', '/data/a', false],
    ];
    for (const [path, root, expected] of table) {
      assert.equal(isUnderLocalRoot(path, root), expected, `${path} under ${root}`);
    }
  });

  it('compares S3 sources by bucket, then prefix components', () => {
    const table: [string, string, boolean][] = [
      ['s3://landing/runs/2024', 's3://landing/runs', true],
      ['s3://landing/runs', 's3://landing/runs/', true],
      ['s3://landing/runs-old', 's3://landing/runs', false],
      ['s3://landing/run', 's3://landing/runs', false],
      ['s3://landing2/runs/x', 's3://landing/runs', false],
      ['s3://landing/anything', 's3://landing', true],
      ['s3://landing', 's3://landing/runs', false],
    ];
    for (const [source, root, expected] of table) {
      assert.equal(
        isUnderS3Root(s3Location(source), s3Location(root)),
        expected,
        `${source} under ${root}`,
      );
    }
  });

  it('accepts only roots it can compare safely', () => {
    const sources: [string, RegExp | undefined][] = [
      ['/data/incoming', undefined],
      ['s3://landing/runs', undefined],
      ['s3://landing', undefined],
      ['data/incoming', /not an absolute path/],
      ['/data/../etc', /"\.\." element/],
      ['s3://landing/a/../b', /"\.\." component/],
      ['s3://landing/a//b', /empty/],
      ['https://example.org/x', /unsupported scheme/],
    ];
    for (const [value, expected] of sources) {
      const problem = adhocSourceRootProblem(value);
      if (expected === undefined) assert.equal(problem, undefined, value);
      else assert.match(problem ?? '', expected, value);
    }
    const targets: [string, RegExp | undefined][] = [
      ['/tempZone/home/public', undefined],
      ['/tempZone/home/public/', undefined],
      ['/tempZone', undefined],
      ['tempZone/home', /not absolute/],
      ['/tempZone/home/../rods', /"\.\." element/],
      ['/tempZone//home', /empty segment/],
    ];
    for (const [value, expected] of targets) {
      const problem = adhocTargetRootProblem(value);
      if (expected === undefined) assert.equal(problem, undefined, value);
      else assert.match(problem ?? '', expected, value);
    }
  });

  it('names the keys to set while ad-hoc jobs are off', () => {
    assert.match(
      adhocOffMessage(true, false),
      /^ad-hoc jobs are off: daemon\.adhoc_sources is empty/,
    );
    assert.match(
      adhocOffMessage(false, true),
      /^ad-hoc jobs are off: daemon\.adhoc_targets is empty/,
    );
    assert.match(
      adhocOffMessage(true, true),
      /^ad-hoc jobs are off: daemon\.adhoc_sources and daemon\.adhoc_targets are empty/,
    );
  });
});
