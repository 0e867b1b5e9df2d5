/**
 * Is the source root still the directory the job recorded? An unmounted mount point is still a
 * directory, empty and complete to list, so a pass over it would take it for "everything was
 * deleted". Before any decision a pass looks at the root: it must exist, be a directory, hold
 * the `source_marker` when one is set, and have the device and inode recorded when the job first
 * tracked something. While the job tracks nothing there is nothing to protect, so the identity
 * follows the root until then (a new job on a mount that comes up late is not refused).
 *
 * With a `source_marker` the marker is the root's identity: it sits on the mounted file system,
 * so a root that holds it is the right one even when its device number changed (FUSE and some
 * NFS mounts get a new one at every mount); its new device and inode are recorded.
 *
 * And does the recorded state still belong to the job? It describes the pair (source, target)
 * it was recorded for; a job whose source or target changed starts on fresh state.
 */

/** Device and inode of a directory. */
export interface RootIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** What a look at the source root found. */
export type RootLook =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly errno: string }
  | { readonly kind: 'not-directory'; readonly type: string }
  | {
      readonly kind: 'directory';
      readonly identity: RootIdentity;
      /** The `source_marker` is set and not in the root. */
      readonly markerMissing: boolean;
    };

export const ROOT_VERDICTS = { ok: 'ok', record: 'record', refuse: 'refuse' } as const;

export type RootVerdict =
  | { readonly kind: typeof ROOT_VERDICTS.ok }
  /** Go on, and record the root's identity as the job's. */
  | {
      readonly kind: typeof ROOT_VERDICTS.record;
      readonly identity: RootIdentity;
      /** The identity recorded before, when the marker vouched for a changed one. */
      readonly previous?: RootIdentity;
    }
  | {
      readonly kind: typeof ROOT_VERDICTS.refuse;
      readonly reason: string;
      /**
       * The root is a readable directory with the marker, only not the recorded one: the
       * operator may accept it (allow-deletes) after checking it is the right one.
       */
      readonly acceptable?: RootIdentity;
    };

export interface RootFacts {
  readonly source: string;
  /** `source_marker`, "" when none. */
  readonly marker: string;
  readonly recorded: RootIdentity | undefined;
  /** Entries the job tracks now. */
  readonly tracked: number;
  readonly look: RootLook;
  /**
   * The look is from a worker host, and `recorded` from the daemon that scans the job, maybe on
   * another host. Device numbers are given out per host, so only the inode is compared: a shared
   * file system shows its root with one inode on every host, an unmounted mount point does not.
   */
  readonly elsewhere?: boolean;
}

export function judgeRoot(facts: RootFacts): RootVerdict {
  const { source, marker, recorded, tracked, look, elsewhere = false } = facts;
  const refuse = (reason: string, acceptable?: RootIdentity): RootVerdict => ({
    kind: ROOT_VERDICTS.refuse,
    reason,
    ...(acceptable === undefined ? {} : { acceptable }),
  });
  switch (look.kind) {
    case 'missing':
      return refuse(`the source root ${source} does not exist`);
    case 'unreadable':
      return refuse(`the source root ${source} cannot be looked at (${look.errno})`);
    case 'not-directory':
      return refuse(`the source root ${source} is not a directory (it is a ${look.type})`);
    case 'directory':
      break;
  }
  if (look.markerMissing) {
    return refuse(`the source marker ${source}/${marker} is missing: is the file system mounted?`);
  }
  const now = look.identity;
  if (recorded === undefined || tracked === 0) {
    const same = recorded !== undefined && sameIdentity(recorded, now);
    return same ? { kind: ROOT_VERDICTS.ok } : { kind: ROOT_VERDICTS.record, identity: now };
  }
  if (marker !== '' && !sameIdentity(recorded, now)) {
    return { kind: ROOT_VERDICTS.record, identity: now, previous: recorded };
  }
  if (elsewhere && recorded.ino !== now.ino) {
    return refuse(
      `the source root ${source} on this host is another directory than the one the job's scanning daemon recorded (inode ${recorded.ino}, here ${now.ino}): is the file system mounted here? A file system whose inode numbers differ between hosts (FUSE) needs a source_marker`,
    );
  }
  if (!elsewhere && recorded.dev !== now.dev) {
    return refuse(
      `the source root ${source} is on another device than the one the job recorded (device ${recorded.dev}, now ${now.dev}): is the file system unmounted?`,
      now,
    );
  }
  if (recorded.ino !== now.ino) {
    return refuse(
      `the source root ${source} is another directory than the one the job recorded (inode ${recorded.ino}, now ${now.ino}): was it replaced?`,
      now,
    );
  }
  return { kind: ROOT_VERDICTS.ok };
}

export function sameIdentity(a: RootIdentity, b: RootIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** What the recorded state belongs to. */
export interface SyncPair {
  readonly source: string;
  readonly target: string;
}

/**
 * How the job's (source, target) differs from the pair its state was recorded for: undefined
 * when it does not (or nothing was recorded), else a sentence for the log that names the old
 * collection, which is left as it is.
 */
export function pairChange(
  job: string,
  recorded: SyncPair | undefined,
  current: SyncPair,
): string | undefined {
  if (recorded === undefined) return undefined;
  const changes: string[] = [];
  if (recorded.source !== current.source) {
    changes.push(`source changed from ${recorded.source} to ${current.source}`);
  }
  if (recorded.target !== current.target) {
    changes.push(`target changed from ${recorded.target} to ${current.target}`);
  }
  if (changes.length === 0) return undefined;
  return `job ${job}: ${changes.join(' and ')}: starting on fresh state (its files are sent again); nothing is deleted for the old pair, and the collection ${recorded.target} is left as it is`;
}
