/**
 * Whether a job can watch its source: inotify only reports changes made through this kernel, so
 * network and cluster filesystems (whose other clients write behind its back) get rescans only;
 * and each watched directory costs one watch from a per-user budget shared by every process of
 * the service user, so a tree that does not fit is not watched at all (a partly watched tree
 * would look watched while missing events).
 */

/**
 * Filesystem types (as /proc/self/mountinfo names them) whose remote writes inotify never sees.
 * FUSE mounts are listed by the network filesystems that commonly use them.
 */
export const NETWORK_FILESYSTEMS: ReadonlySet<string> = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'lustre',
  'gpfs',
  'beegfs',
  'ceph',
  'glusterfs',
  'fuse.glusterfs',
  'fuse.sshfs',
  'fuse.cephfs',
  'fuse.s3fs',
  'afs',
  '9p',
  'panfs',
  'pvfs2',
  'orangefs',
  'ocfs2',
  'gfs2',
]);

/** Watches left free for everything else the service user runs. */
export const WATCH_RESERVE = 1024;

export interface WatchFacts {
  /** `watch = "force"` in the job: watch even a network filesystem. */
  readonly forced: boolean;
  /** Filesystem type of the source's mount, when known. */
  readonly fsType?: string | undefined;
  /** Directories to watch (the source and everything below it that is not excluded). */
  readonly directories: number;
  /** fs.inotify.max_user_watches, when readable. */
  readonly limit?: number | undefined;
  /** Watches the service user's processes hold already. */
  readonly inUse: number;
}

export type WatchPlan =
  { readonly watch: true } | { readonly watch: false; readonly reason: string };

export function planWatch(facts: WatchFacts): WatchPlan {
  const { fsType, forced, directories, limit, inUse } = facts;
  if (fsType !== undefined && NETWORK_FILESYSTEMS.has(fsType) && !forced) {
    return {
      watch: false,
      reason: `the source is on ${fsType}, a network filesystem: inotify does not see other clients' writes (set watch = "force" to watch anyway)`,
    };
  }
  if (limit !== undefined && directories + inUse + WATCH_RESERVE > limit) {
    return {
      watch: false,
      reason: `${directories} directories to watch do not fit fs.inotify.max_user_watches = ${limit} (${inUse} in use, ${WATCH_RESERVE} kept free); raise it (see etc/sysctl.d/)`,
    };
  }
  return { watch: true };
}

/**
 * The `fs.inotify.max_queued_events` the shipped sysctl advice asks for (etc/sysctl.d): a burst
 * at full speed (about 11,000 new files a second, two events each) fills 262,144 events in about
 * 12 s, so the kernel holds what arrives during a stall of several seconds. The default, 16,384,
 * fills in under one.
 */
export const ADVISED_QUEUED_EVENTS = 262_144;

/**
 * Watcher events below which a burst cannot have overflowed a kernel queue of `queueLimit`
 * events: an overflow means the queue held `queueLimit` events, and however the kernel and the
 * watcher merge them, a file's events reach the daemon as at most four.
 */
export function overflowPossibleAt(queueLimit: number): number {
  return Math.max(1, Math.floor(queueLimit / 4));
}
