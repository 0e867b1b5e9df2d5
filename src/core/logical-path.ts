/**
 * Logical path helpers for iRODS paths (absolute, `/`-separated) and the rules for which paths
 * can travel in which part of an HTTP API request (irods-http-api.md §1.3, §5.2.2).
 */

/** Why `path` is not an absolute logical path the client can act on, or undefined when it is. */
export function logicalPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'it is not absolute';
  if (path.length > 1 && path.endsWith('/')) return 'it ends with "/"';
  if (path.includes('//')) return 'it has an empty segment';
  if (path.includes('\0')) return 'it contains a NUL character';
  return undefined;
}

/** The collection holding `path` ("/" for "/tempZone"). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last segment of `path`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(collection: string, name: string): string {
  return collection === '/' ? `/${name}` : `${collection}/${name}`;
}

/** `path` and every collection above it, nearest first, ending with "/". */
export function selfAndAncestors(path: string): string[] {
  const out = [path];
  let current = path;
  while (current !== '/') {
    current = parentPath(current);
    out.push(current);
  }
  return out;
}

/** True when `path` is `root` itself or lies below it. */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}

/**
 * A `+` cannot reach the server through a query string: the server percent-decodes and then turns
 * every `+` into a space, so even `%2B` arrives as " " (§1.3). Such values need POST ops.
 */
export function canTravelInQueryString(value: string): boolean {
  return !value.includes('+');
}

/**
 * Whether `path` can be sent as an `irods-api-request-lpath` header (§5.2.2 form 2). Header
 * values cannot hold control characters (undici refuses them, HTTP forbids them), and servers trim
 * trailing whitespace, so a name ending in a space or tab would arrive as a different path.
 * Everything else, including non-ASCII, goes through as UTF-8 bytes.
 */
export function isHeaderSafe(path: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(path) && !/[ \t]$/.test(path);
}
