/**
 * Text from users (file names, what a handler threw) made safe for a terminal or a journal: the
 * characters a terminal acts on rather than shows are written as escapes. A file name may hold
 * any byte but `/` and NUL, so printed raw it could clear the operator's screen, retitle the
 * window or reverse the text after it, and journalctl shows a line holding such bytes only as
 * `[blob data]`.
 */

/** C0 and C1 controls, DEL, and the bidirectional overrides that reorder what follows them. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ACTS_ON_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` with each such character written as a `\uXXXX` escape: the same form JSON and
 * JavaScript use, so an escaped JSON text stays valid JSON.
 */
export function visibleText(text: string): string {
  return text.replace(
    ACTS_ON_TERMINAL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
