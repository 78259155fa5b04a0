/**
 * The last line of defence: an error that escaped every request's own error path is logged and the
 * process carries on serving everyone else. Each listener still has its own handler; this only keeps one
 * missed case from taking every channel down with it.
 */
import type { Logger } from './logger';

/** Installs the guards once; returns a function that removes them (tests). */
export function installProcessGuards(logger: Logger, target: NodeJS.Process = process): () => void {
  const onException = (err: Error, origin: string): void => {
    logger.error({ err, origin }, 'uncaught exception: logged and survived; the code path that threw needs its own handler');
  };
  const onRejection = (reason: unknown): void => {
    logger.error({ err: reason }, 'unhandled promise rejection: logged and survived');
  };
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
