/**
 * The folder rule of eslint.config.js (style.md §2 "Our layout"), run through ESLint with the
 * project's own config: each case is one import, linted as the whole text of a file of the folder
 * it stands for, and must be refused or let through by that rule.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '../..');
const RULE = '@typescript-eslint/no-restricted-imports';

interface Case {
  /** A file of the folder the import is written in (its text is replaced by `line`). */
  file: string;
  line: string;
}

const refused: Case[] = [
  { file: 'src/sync/pass.ts', line: "import '../worker/actions.js';" },
  { file: 'src/sync/pass.ts', line: "import { JOB_STATES } from '../control/wire.js';" },
  { file: 'src/sync/pass.ts', line: "import { loadConfig } from '../config/index.js';" },
  { file: 'src/sync/pass.ts', line: "import type { Metrics } from '../metrics/index.js';" },
  { file: 'src/worker/actions.ts', line: "import '../sync/job-set.js';" },
  { file: 'src/ctl/human.ts', line: "import '../control/server.js';" },
  { file: 'src/ctl/human.ts', line: "import type { ControlTarget } from '../control/target.js';" },
  { file: 'src/control/routes.ts', line: "import type { JobSet } from '../sync/job-set.js';" },
  { file: 'src/control/routes.ts', line: "import '../ctl/client.js';" },
  { file: 'src/core/duration.ts', line: "import '../state/keys.js';" },
  { file: 'src/core/duration.ts', line: "import type { Logger } from '../log.js';" },
  { file: 'src/irods/paths.ts', line: "import '../daemon.js';" },
  { file: 'src/metrics/server.ts', line: "import { IrodsError } from '../irods/index.js';" },
  { file: 'src/state/keys.ts', line: "import '../queue/queue.js';" },
  { file: 'src/state/keys.ts', line: "import { createLogger } from '../log.js';" },
  { file: 'src/daemon-run.ts', line: "import './daemon.js';" },
  { file: 'src/worker/batch.ts', line: "import '../control/server.js';" },
  // The back edges issue 14 removed: sync/ acting on iRODS, running batches, reporting to ctl.
  { file: 'src/sync/watch-feed.ts', line: "import '../worker/renames.js';" },
  { file: 'src/sync/job-runner.ts', line: "import '../worker/pool.js';" },
  { file: 'src/sync/job-runner.ts', line: "import type { IrodsClient } from '../irods/index.js';" },
  { file: 'src/sync/job-runner.ts', line: "import type { JobStatus } from '../control/wire.js';" },
  { file: 'src/core/event-hub.ts', line: "import type { DaemonEvent } from '../control/wire.js';" },
];

const allowed: Case[] = [
  { file: 'src/sync/pass.ts', line: "import type { JobConfig } from '../config/index.js';" },
  { file: 'src/sync/pass.ts', line: "import '../queue/payload.js';" },
  { file: 'src/sync/pass.ts', line: "import type { Logger } from '../log.js';" },
  { file: 'src/worker/actions.ts', line: "import '../irods/index.js';" },
  { file: 'src/ctl/human.ts', line: "import { FAILURES_PAGE } from '../control/wire.js';" },
  { file: 'src/core/duration.ts', line: "import { IngestError } from '../errors.js';" },
  { file: 'src/queue/queue.ts', line: "import '../state/keys.js';" },
  { file: 'src/main.ts', line: "import './daemon.js';" },
  { file: 'src/worker/batch.ts', line: "import '../worker/actions.js';" },
  { file: 'src/worker/batch.ts', line: "import type { Metrics } from '../metrics/index.js';" },
  { file: 'src/sync/job-runner.ts', line: "import { JOB_STATES } from '../core/job-status.js';" },
];

describe('the folder rule (eslint.config.js)', () => {
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: root });
  });

  async function layoutMessages({ file, line }: Case): Promise<string[]> {
    const [result] = await eslint.lintText(`${line}\n`, { filePath: join(root, file) });
    const fatal = result!.messages.find((message) => message.fatal);
    assert.equal(fatal, undefined, `${file}: ${fatal?.message}`);
    return result!.messages
      .filter((message) => message.ruleId === RULE)
      .map((message) => message.message);
  }

  it('refuses an import against the directions of style.md, naming what is allowed', async () => {
    for (const example of refused) {
      const messages = await layoutMessages(example);
      assert.equal(messages.length, 1, `${example.file}: ${example.line}`);
      assert.match(messages[0]!, /may import|top-level|types of log\.ts|only src\/main\.ts/);
    }
  });

  it('has a line for every folder of src/, so a new folder cannot go unchecked', async () => {
    const folders = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    assert.ok(folders.length > 0);
    for (const folder of folders) {
      const config = (await eslint.calculateConfigForFile(join(root, 'src', folder, 'any.ts'))) as {
        rules?: Record<string, unknown>;
      };
      const setting = config.rules?.[RULE];
      assert.ok(Array.isArray(setting) && setting[0] === 2, `src/${folder}/ has no folder rule`);
    }
  });

  it('lets the allowed directions through', async () => {
    for (const example of allowed) {
      assert.deepEqual(await layoutMessages(example), [], `${example.file}: ${example.line}`);
    }
  });
});
