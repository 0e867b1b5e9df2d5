import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mountOf, parseMountInfo } from '../../../src/sources/mounts.js';

const TABLE = [
  '22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
  '30 22 0:25 / /data rw,relatime shared:5 - nfs4 fs1:/export/data rw,vers=4.2',
  '31 30 0:26 / /data/scratch rw,relatime - tmpfs tmpfs rw',
  '32 22 0:27 / /mnt/with\\040space rw - cifs //nas/share rw',
  '',
].join('\n');

describe('mountinfo', () => {
  const mounts = parseMountInfo(TABLE);

  it('reads mount points and filesystem types, unescaping octal', () => {
    assert.deepEqual(mounts, [
      { mountPoint: '/', fsType: 'ext4' },
      { mountPoint: '/data', fsType: 'nfs4' },
      { mountPoint: '/data/scratch', fsType: 'tmpfs' },
      { mountPoint: '/mnt/with space', fsType: 'cifs' },
    ]);
  });

  it('finds the mount with the longest matching mount point', () => {
    assert.equal(mountOf('/data/microscope-1', mounts)?.fsType, 'nfs4');
    assert.equal(mountOf('/data/scratch/x', mounts)?.fsType, 'tmpfs');
    assert.equal(mountOf('/data', mounts)?.fsType, 'nfs4');
    assert.equal(
      mountOf('/database', mounts)?.fsType,
      'ext4',
      'a prefix of a name is not a parent',
    );
    assert.equal(mountOf('/mnt/with space/a', mounts)?.fsType, 'cifs');
  });
});
