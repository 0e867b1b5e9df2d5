/**
 * Where removed entities go without `no-trash` (spec §5.1.4, §5.2.8, §7.6): under
 * `/<zone>/trash/home/<user>/...`, mirroring the path below the owner's home. A rodsadmin keeps
 * the home owner's name; other users get their own trash folder. Clashing names get `.1`, `.2`...
 */
import type { Principal } from './acl.js';
import { Catalog } from './catalog.js';
import type { Collection } from './model.js';

export function trashDestination(
  catalog: Catalog,
  who: Principal,
  lpath: string,
): { parent: Collection; name: string } {
  const parts = Catalog.segments(lpath) ?? [];
  const underHome = parts[1] === 'home' && parts.length >= 3;
  const relative = underHome
    ? who.admin
      ? parts.slice(2)
      : [who.name, ...parts.slice(3)]
    : [who.name, ...parts.slice(1)];
  const name = relative.pop()!;
  let parent = catalog.findCollection(`/${catalog.zone}/trash/home`)!;
  for (const segment of relative) {
    parent = parent.collections.get(segment) ?? catalog.createCollection(parent, segment, who.name);
  }
  let candidate = name;
  for (let n = 1; parent.collections.has(candidate) || parent.objects.has(candidate); n++) {
    candidate = `${name}.${n}`;
  }
  return { parent, name: candidate };
}
