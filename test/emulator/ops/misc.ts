/** `/authenticate`, `/info` and the out-of-scope routes (spec §2.1, §4, §5.6). */
import type { IncomingMessage } from 'node:http';
import { BASIC_OUTCOME, parseBasic, parseBearer } from '../auth.js';
import type { Reply } from '../http.js';
import { BUILD_SHA } from '../server.js';
import type { EmulatorState, RouteOps } from '../state.js';

export function authenticate(state: EmulatorState, req: IncomingMessage, reply: Reply): void {
  const credentials = parseBasic(req.headers.authorization);
  if (
    credentials.kind === BASIC_OUTCOME.missingHeader ||
    credentials.kind === BASIC_OUTCOME.notBasic
  ) {
    return reply.fail(400);
  }
  if (credentials.kind !== BASIC_OUTCOME.credentials) return reply.fail(401);
  const { user, password } = credentials;
  const anonymous = user === 'anonymous' && password === '';
  if (!anonymous) {
    const known = state.catalog.users.get(user);
    if (
      user === '' ||
      password === '' ||
      !known ||
      known.type === 'rodsgroup' ||
      known.password !== password
    ) {
      return reply.fail(401);
    }
  }
  reply.send(200, 'text/plain', state.tokens.issue(user));
}

export function info(state: EmulatorState, req: IncomingMessage, reply: Reply): void {
  const { config } = state;
  const token = parseBearer(req.headers.authorization);
  const valid = token !== undefined && state.tokens.userOf(token) !== undefined;
  reply.json(200, {
    api_version: config.emulator.version,
    build: BUILD_SHA,
    irods_server_version: valid ? config.emulator.irods_server_version : undefined,
    irods_zone: config.irods_client.zone,
    max_number_of_rows_per_catalog_query: config.irods_client.max_number_of_rows_per_catalog_query,
    max_number_of_streams_per_parallel_write_handle:
      config.irods_client.max_number_of_streams_per_parallel_write_handle,
    max_size_of_request_body_in_bytes:
      config.http_server.requests.max_size_of_request_body_in_bytes,
    openid_connect_enabled: false,
  });
}

/** No rule engine, no zone administration (§5.6): every op is unknown (400). */
export const ruleOps: RouteOps = { GET: {}, POST: {} };
export const zoneOps: RouteOps = { GET: {}, POST: {} };
