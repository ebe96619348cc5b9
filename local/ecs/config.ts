import type { LocalEcsServerOptions } from './server';

/**
 * Reads the endpoint's settings from the environment:
 * TUGBOAT_LOCAL_ECS_PORT (4100), _START_MS (2000), _STOP_MS (1000), _JITTER (0..1, 0),
 * _THROTTLE (off | scale factor, 1), _EVENTS_QUEUE_URL, _EVENT_CHAOS (1 to duplicate and reorder events),
 * _FAULT_RATE (0..1, 0: that fraction of calls answers HTTP 500 ServerException, half after applying it).
 */
export const localEcsOptionsFromEnv = (env: NodeJS.ProcessEnv = process.env): LocalEcsServerOptions => {
  const number = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name} must be a non-negative number, got '${raw}'`);
    return value;
  };
  const faultRate = (name: string): number => {
    const value = number(name) ?? 0;
    if (value > 1) throw new Error(`${name} must be between 0 and 1, got '${env[name]}'`);
    return value;
  };
  const throttleText = env.TUGBOAT_LOCAL_ECS_THROTTLE;
  const throttle =
    throttleText === undefined || throttleText === ''
      ? undefined
      : throttleText === 'off' || throttleText === '0'
        ? ('off' as const)
        : number('TUGBOAT_LOCAL_ECS_THROTTLE');
  const chaos = env.TUGBOAT_LOCAL_ECS_EVENT_CHAOS;
  return {
    port: number('TUGBOAT_LOCAL_ECS_PORT') ?? 4100,
    startMs: number('TUGBOAT_LOCAL_ECS_START_MS'),
    stopMs: number('TUGBOAT_LOCAL_ECS_STOP_MS'),
    jitter: number('TUGBOAT_LOCAL_ECS_JITTER'),
    throttle,
    eventsQueueUrl: env.TUGBOAT_LOCAL_ECS_EVENTS_QUEUE_URL || undefined,
    eventChaos: chaos === '1' || chaos === 'true',
    faultRate: faultRate('TUGBOAT_LOCAL_ECS_FAULT_RATE'),
  };
};
