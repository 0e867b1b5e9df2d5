/**
 * The daemon's logger: one event per line on stdout.
 *
 * - Under journald the line carries an sd-daemon priority prefix (`<3>` error ... `<7>` debug)
 *   so journald sets PRIORITY; journald adds its own timestamps. Stack traces are folded into
 *   the same line so that one event stays one journal record.
 * - Elsewhere: readable text with a timestamp on a terminal, JSON lines otherwise (for log
 *   shippers and for tests that read the daemon's output).
 * Per-file events are logged at debug, aggregates at info (journald rate-limits per service).
 */
import winston from 'winston';
import { visibleText } from './core/visible-text.js';

export const LOG_STYLES = { journald: 'journald', text: 'text', json: 'json' } as const;
export type LogStyle = (typeof LOG_STYLES)[keyof typeof LOG_STYLES];
export type Logger = winston.Logger;

const PRIORITY: Readonly<Record<string, number>> = { error: 3, warn: 4, info: 6, debug: 7 };

function fields(meta: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(meta).filter(([key]) => key !== 'timestamp'));
  return Object.keys(rest).length > 0 ? ` ${visibleText(JSON.stringify(rest))}` : '';
}

// Messages quote file names, which may hold control characters (core/visible-text.ts): they are
// escaped, or journalctl would show the record as blob data and a terminal would act on them.
const journald = winston.format.printf(({ level, message, stack, ...meta }) => {
  const text = typeof stack === 'string' ? stack : String(message);
  return `<${PRIORITY[level] ?? 6}>${visibleText(text.replaceAll('\n', ' | '))}${fields(meta)}`;
});

const text = winston.format.printf(({ level, message, stack, timestamp, ...meta }) => {
  const body = typeof stack === 'string' ? stack : String(message);
  const shown = body.split('\n').map(visibleText).join('\n');
  return `${String(timestamp)} ${level.padEnd(5)} ${shown}${fields(meta)}`;
});

const formats: Record<LogStyle, winston.Logform.Format> = {
  journald: winston.format.combine(winston.format.errors({ stack: true }), journald),
  text: winston.format.combine(
    winston.format.errors({ stack: true }),
    winston.format.timestamp(),
    text,
  ),
  json: winston.format.combine(
    winston.format.errors({ stack: true }),
    winston.format.timestamp(),
    winston.format.json(),
  ),
};

export function createLogger(level: string, style: LogStyle): Logger {
  const logger = winston.createLogger({
    level,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format: formats[style],
    transports: [new winston.transports.Console()],
  });
  // winston runs every event through its stream and formats (JSON, timestamp) before the
  // transport drops those below the level: per-file debug events would cost that for nothing.
  // The level is read at each call, so a reload that changes it applies at once.
  const debug = logger.debug.bind(logger);
  logger.debug = ((...args: Parameters<typeof debug>) =>
    logger.isDebugEnabled() ? debug(...args) : logger) as typeof logger.debug;
  return logger;
}
