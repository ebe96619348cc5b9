import type { Logger } from '@aws-lambda-powertools/logger';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type ActivityLevel = (typeof LEVELS)[number];

export interface ActivityLog {
  info(line: string): void;
  debug(line: string): void;
}

/** TUGBOAT_LOG_LEVEL, else POWERTOOLS_LOG_LEVEL, else INFO; unknown values are INFO. */
export const activityLevel = (env: NodeJS.ProcessEnv = process.env): ActivityLevel => {
  const raw = (env.TUGBOAT_LOG_LEVEL ?? env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase();
  if (raw === 'TRACE') return 'DEBUG';
  if (raw === 'CRITICAL') return 'ERROR';
  return (LEVELS as readonly string[]).includes(raw) ? (raw as ActivityLevel) : 'INFO';
};

/**
 * What the reconciler did, one sentence per line. In Lambda each line is a Powertools log entry (JSON,
 * for CloudWatch); with TUGBOAT_LOG_FORMAT=text (the local stack) it is a plain line with the time.
 */
export const activityLog = (logger: Logger, env: NodeJS.ProcessEnv = process.env): ActivityLog => {
  const text = env.TUGBOAT_LOG_FORMAT === 'text';
  const enabled = (level: ActivityLevel) => LEVELS.indexOf(level) >= LEVELS.indexOf(activityLevel(env));
  const write = (level: 'DEBUG' | 'INFO', line: string) => {
    if (!enabled(level)) return;
    if (text) process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${level.padEnd(5)} ${line}\n`);
    else if (level === 'INFO') logger.info(line);
    else logger.debug(line);
  };
  return { info: (line) => write('INFO', line), debug: (line) => write('DEBUG', line) };
};
