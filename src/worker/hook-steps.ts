/**
 * The event handler's hooks as steps of the actions: the pre hook after the source was looked at
 * and before anything is sent to iRODS, the post hook once everything the action sends went
 * through and before its state is recorded (a post hook that fails leaves the entry to be tried
 * again, as any failed step does). Without a handler they do nothing.
 */
import { HOOK_EVENTS, type HookEvent } from '../handlers/members.js';
import type { EntryContext } from './context.js';
import { step } from './pipeline.js';

/** The event of a file or directory action: creating what was not recorded, else modifying. */
function eventOf(ctx: EntryContext): HookEvent | undefined {
  if (ctx.task.entry.type === 'dir') return ctx.existed ? undefined : HOOK_EVENTS.collCreate;
  return ctx.existed ? HOOK_EVENTS.dataObjModify : HOOK_EVENTS.dataObjCreate;
}

export const preHook = step<EntryContext>('pre-hook', async (ctx) => {
  const { hooks } = ctx.deps;
  const event = eventOf(ctx);
  if (hooks === undefined || ctx.task.file === undefined || event === undefined) return;
  await hooks.before(event, ctx.task.file, ctx.task.logicalPath);
});

export const postHook = step<EntryContext>('post-hook', async (ctx) => {
  const { hooks } = ctx.deps;
  const event = eventOf(ctx);
  if (hooks === undefined || ctx.task.file === undefined || event === undefined) return;
  await hooks.after(event, ctx.task.file, ctx.task.logicalPath);
});
