/**
 * The companion's log: Probot's own format (LOG_FORMAT, LOG_LEVEL, LOG_LEVEL_IN_STRING,
 * LOG_MESSAGE_KEY, SENTRY_DSN, through `@probot/pino`), written to stdout.
 *
 * Built here rather than by Probot for one reason: Probot writes through an asynchronous
 * destination, which pino writes out when the process exits only in the main thread. A line the
 * work thread (work-thread.ts) had not written yet when the process stopped was lost with the
 * thread: with stdout read slowly, the outcomes of deliveries drained on SIGTERM went missing. The
 * work thread writes each line before going on (`sync`); the webhook's thread keeps the
 * asynchronous destination, so that a slow log reader never holds up an answer.
 */
import { isMainThread } from 'node:worker_threads';
import { getTransformStream } from '@probot/pino';
import { pino, type Logger } from 'pino';

export interface LogSettings {
  LOG_LEVEL: string;
  LOG_FORMAT?: 'json' | 'pretty' | undefined;
  LOG_LEVEL_IN_STRING?: string | undefined;
  LOG_MESSAGE_KEY?: string | undefined;
  SENTRY_DSN?: string | undefined;
}

/** This thread's logger, for Probot's `log` option (Probot names it "probot" itself). */
export async function companionLog(settings: LogSettings, sync = !isMainThread): Promise<Logger> {
  const transform = await getTransformStream({
    logFormat: settings.LOG_FORMAT,
    logLevelInString: settings.LOG_LEVEL_IN_STRING === 'true',
    ...(settings.SENTRY_DSN ? { sentryDsn: settings.SENTRY_DSN } : {}),
  });
  // SonicBoom has the write/on/emit that pipe() uses (Probot pipes it the same way), not the type.
  const stdout = pino.destination({ dest: 1, sync }) as unknown as NodeJS.WritableStream;
  transform.pipe(stdout);
  return pino({ level: settings.LOG_LEVEL, messageKey: settings.LOG_MESSAGE_KEY || 'msg' }, transform);
}
