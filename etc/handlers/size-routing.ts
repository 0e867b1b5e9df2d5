/**
 * Example handler: route files by size. Large files are registered in place on the resource
 * that serves the instrument storage (no copy); small ones are uploaded to a fast resource.
 * Directories keep the job's settings.
 *
 * Run it from a job with `operation = "register"` and `delete = "keep"` (the only delete mode
 * both operations allow). Edit the three settings below for your site.
 *
 * Enable it with `handler = "/etc/irods-ingest/handlers/size-routing.ts"` in a job.
 */
import type { Handler } from 'irods-ingest/handler';

/** Files larger than this are registered in place. */
const LARGE_FILE_BYTES = 1024 ** 3; // 1 GiB
/** Where large files are registered: a resource that sees the source storage. */
const LARGE_FILE_RESOURCE = 'archiveResc';
/** Where small files are uploaded. */
const SMALL_FILE_RESOURCE = 'fastResc';

const isLarge = (size: number) => size > LARGE_FILE_BYTES;

export default {
  operation(file) {
    if (file.type !== 'file') return undefined;
    return isLarge(file.size) ? 'register' : 'put_sync';
  },

  resource(file) {
    if (file.type !== 'file') return undefined;
    return isLarge(file.size) ? LARGE_FILE_RESOURCE : SMALL_FILE_RESOURCE;
  },
} satisfies Handler;
