import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialsOf } from '../../../src/core/aws-credentials.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('credentialsOf reads the AWS shared-credentials format', () => {
  const file = [
    '# a comment',
    '[default]',
    'aws_access_key_id = AKIADEFAULT',
    `aws_secret_access_key = ${SECRET}`,
    '',
    '; another comment',
    '[profile archive]',
    'AWS_ACCESS_KEY_ID=AKIAARCHIVE',
    `aws_secret_access_key=${SECRET}`,
    'aws_session_token = token-1',
  ].join('\n');

  it('reads the default profile', () => {
    assert.deepEqual(credentialsOf(file, 'default'), {
      credentials: { accessKeyId: 'AKIADEFAULT', secretAccessKey: SECRET },
    });
  });

  it('reads a [profile name] section with a session token', () => {
    assert.deepEqual(credentialsOf(file, 'archive'), {
      credentials: { accessKeyId: 'AKIAARCHIVE', secretAccessKey: SECRET, sessionToken: 'token-1' },
    });
  });

  const problems: [string, string, string, string][] = [
    ['a missing profile', file, 'other', 'has no profile [other] (profiles: [default], [archive])'],
    [
      'a missing secret',
      '[default]\naws_access_key_id = A',
      'default',
      'profile [default] has no aws_secret_access_key',
    ],
    [
      'a key before any section',
      `aws_secret_access_key = ${SECRET}`,
      'default',
      'line 1 holds a key before any [profile] header',
    ],
    [
      'a line that is no key',
      `[default]\n${SECRET}`,
      'default',
      'line 2 is neither [profile] nor key = value',
    ],
    ['an empty file', '', 'default', 'has no profile [default] (profiles: none)'],
  ];
  for (const [what, text, profile, problem] of problems) {
    it(`names ${what} without quoting the file`, () => {
      const result = credentialsOf(text, profile);
      assert.deepEqual(result, { problem });
      assert.ok(!JSON.stringify(result).includes(SECRET));
    });
  }
});
