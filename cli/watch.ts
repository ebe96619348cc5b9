import { createLogUpdate } from 'log-update';
import type { ServiceDescription } from '../client/api-types';
import { type ApiClient, servicePath } from '../client/client';
import { EXIT } from '../client/errors';
import { analysisLine, colours as c, deploymentLine, time } from './render';

export interface WatchOptions {
  cluster: string;
  serviceName: string;
  deploymentId: string;
  /** Give up (exit 2) after this long. */
  timeoutMs: number;
  pollMs?: number;
  /** Redraw in place (a person at a terminal) or print one line per change (CI logs). */
  live?: boolean;
  out?: NodeJS.WriteStream;
  /** Where SIGINT is heard (the process; a test passes its own emitter). */
  signals?: NodeJS.EventEmitter;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exit code after Ctrl+C, as a shell reports a command ended by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** The command that follows a deployment again (after Ctrl+C, say). */
export const watchCommand = (options: Pick<WatchOptions, 'cluster' | 'serviceName' | 'deploymentId'>) =>
  `tugboat watch ${options.serviceName} ${options.deploymentId}${options.cluster === 'default' ? '' : ` --cluster ${options.cluster}`}`;

/** Resolves on the first Ctrl+C (SIGINT) while installed; `remove` puts the default handling back. */
const onInterrupt = (signals: NodeJS.EventEmitter = process) => {
  let remove = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => {
    const handler = () => resolve('interrupted');
    signals.once('SIGINT', handler);
    remove = () => signals.removeListener('SIGINT', handler);
  });
  return { interrupted, remove: () => remove() };
};

/**
 * The watched deployment's analysis intervals judged since `seen` (keyed by their end), each as its
 * line once. Their service events say the same without the bounds, so the watch shows these instead.
 */
export const freshAnalysisLines = (
  service: Pick<ServiceDescription, 'deployments' | 'deploymentConfiguration'>,
  deploymentId: string,
  seen: Set<string>,
): string[] => {
  const intervals = service.deployments.find((d) => d.id === deploymentId)?.analysis?.intervals ?? [];
  const fresh = intervals.filter((interval) => !seen.has(interval.end));
  for (const interval of fresh) seen.add(interval.end);
  return fresh.map((interval) => analysisLine(interval, service.deploymentConfiguration.analysis));
};

/** An interval's own service event (analysis-phase.ts), shown by its analysis line instead. */
const isIntervalEvent = (message: string, deploymentId: string): boolean =>
  message.includes(` deployment ${deploymentId} analysis `);

/** What a deployment's state means for `--wait`: still going, or the exit code and the words to end on. */
export const verdict = (
  service: Pick<ServiceDescription, 'deployments'>,
  deploymentId: string,
): { done: false } | { done: true; exitCode: number; message: string } => {
  const deployment = service.deployments.find((d) => d.id === deploymentId);
  if (!deployment)
    return { done: true, exitCode: EXIT.failed, message: `deployment ${deploymentId} is no longer listed` };
  if (deployment.rolloutState === 'COMPLETED')
    return {
      done: true,
      exitCode: EXIT.ok,
      message: `deployment ${deploymentId} COMPLETED: ${deployment.taskDefinition} runs ${deployment.runningCount}/${deployment.desiredCount}`,
    };
  if (deployment.rolloutState === 'FAILED') {
    const rollback = service.deployments.find((d) => d.rollbackOf === deploymentId);
    const after = rollback ? `; rolling back to ${rollback.taskDefinition} (deployment ${rollback.id})` : '';
    return {
      done: true,
      exitCode: EXIT.failed,
      message: `deployment ${deploymentId} FAILED: ${String(deployment.rolloutStateReason).replace(/\.$/, '')}${after}`,
    };
  }
  if (deployment.status === 'INACTIVE') {
    const primary = service.deployments.find((d) => d.status === 'PRIMARY');
    return {
      done: true,
      exitCode: EXIT.failed,
      message: `deployment ${deploymentId} was superseded${primary ? ` by ${primary.id} (${primary.taskDefinition})` : ''} before it completed`,
    };
  }
  return { done: false };
};

/**
 * Follows one deployment until it is COMPLETED (exit 0), FAILED or superseded (1), or the timeout (2).
 * On a terminal the deployments are redrawn in place; otherwise every change is one line. Ctrl+C stops
 * only the watching (exit 130): the deployment goes on, and the message says how to follow it again.
 */
export const watchDeployment = async (api: ApiClient, options: WatchOptions): Promise<number> => {
  const out = options.out ?? process.stdout;
  // A terminal that reports no width (some CI pseudo-terminals) cannot be redrawn in place.
  const live = options.live ?? (Boolean(out.isTTY) && (out.columns ?? 0) > 0);
  const frame = live ? createLogUpdate(out) : undefined;
  const print = (line: string) => {
    frame?.clear();
    out.write(`${line}\n`);
  };
  const deadline = Date.now() + options.timeoutMs;
  const seenEvents = new Set<string>();
  const seenIntervals = new Set<string>();
  const lastLines = new Map<string, string>();
  let firstPass = true;
  const interrupt = onInterrupt(options.signals);
  const stopWatching = () => {
    frame?.done();
    process.stderr.write(
      `${c.yellow(`stopped watching: deployment ${options.deploymentId} goes on without this command`)}; follow it again with: ${watchCommand(options)}\n`,
    );
    return EXIT_INTERRUPTED;
  };
  try {
    for (;;) {
      const answer = await Promise.race([
        api.get<ServiceDescription>(servicePath(options.cluster, options.serviceName)),
        interrupt.interrupted,
      ]);
      if (answer === 'interrupted') return stopWatching();
      const service = answer.body;
      const watched = service.deployments.find((d) => d.id === options.deploymentId);
      const since = watched?.createdAt ?? '';
      // Events newest first from the API; show the ones since the deployment began, oldest first.
      const fresh = (service.events ?? [])
        .filter((e) => !seenEvents.has(e.id) && e.createdAt >= since)
        .reverse();
      for (const event of fresh) {
        seenEvents.add(event.id);
        if (isIntervalEvent(event.message, options.deploymentId)) continue;
        print(`${c.dim(time(event.createdAt))} ${c.cyan('event')} ${event.message}`);
      }
      for (const line of freshAnalysisLines(service, options.deploymentId, seenIntervals))
        print(`${c.dim(time(new Date().toISOString()))} ${line}`);
      const active = service.deployments.filter(
        (d) => d.status !== 'INACTIVE' || d.id === options.deploymentId,
      );
      if (live) {
        frame?.(
          [
            `${c.bold(service.serviceName)} ${c.dim(`(${options.cluster})`)} desired ${service.desiredCount} running ${service.runningCount} pending ${service.pendingCount}`,
            ...active.map((d) => `${d.id === options.deploymentId ? c.bold('>') : ' '} ${deploymentLine(d)}`),
          ].join('\n'),
        );
      } else {
        for (const d of active) {
          const line = deploymentLine(d);
          if (lastLines.get(d.id) !== line) {
            lastLines.set(d.id, line);
            print(`${time(new Date().toISOString())} deployment ${d.id} ${line}`);
          }
        }
      }
      firstPass = false;
      const result = verdict(service, options.deploymentId);
      if (result.done) {
        frame?.done();
        const coloured = result.exitCode === EXIT.ok ? c.green(result.message) : c.red(result.message);
        (result.exitCode === EXIT.ok ? out : process.stderr).write(`${coloured}\n`);
        return result.exitCode;
      }
      if (Date.now() >= deadline) {
        frame?.done();
        process.stderr.write(
          `${c.red(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for deployment ${options.deploymentId}`)} (still ${watched?.rolloutState ?? 'unknown'})\n`,
        );
        return EXIT.timeout;
      }
      const slept = await Promise.race([
        sleep(Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now()))),
        interrupt.interrupted,
      ]);
      if (slept === 'interrupted') return stopWatching();
    }
  } finally {
    interrupt.remove();
    if (firstPass) frame?.done();
  }
};

/** `15m`, `90s`, `1h`, `500ms` or a plain number of seconds. */
export const parseDuration = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 90s, 15m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
};
