/**
 * Tickets are out of scope (spec §5.6): the emulator has none, so enabling any `ticket` on the
 * connection fails the way an unknown ticket does on the real server.
 */
import { IRODS } from '../codes.js';
import type { OpContext, RouteOps } from '../state.js';

/** Answers the ticket-enable failure (500 + body) when a `ticket` param is present. */
export function ticketRefused(ctx: OpContext): boolean {
  if (ctx.params.str('ticket') === undefined) return false;
  ctx.reply.irods(500, IRODS.CAT_TICKET_INVALID, 'Error enabling ticket on connection.');
  return true;
}

/**
 * Both methods are routed (0.7.0 has GET list/stat and POST create/remove) but no op is emulated:
 * every op is unknown (400).
 */
export const ticketOps: RouteOps = { GET: {}, POST: {} };
