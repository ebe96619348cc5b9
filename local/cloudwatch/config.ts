import type { LocalCloudWatchServerOptions } from './server';

/** Reads the endpoint's settings from the environment: TUGBOAT_LOCAL_CLOUDWATCH_PORT (4300), _THROTTLE (off | factor). */
export const localCloudWatchOptionsFromEnv = (
  env: NodeJS.ProcessEnv = process.env,
): LocalCloudWatchServerOptions => {
  const portText = env.TUGBOAT_LOCAL_CLOUDWATCH_PORT;
  const port = portText === undefined || portText === '' ? 4300 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`TUGBOAT_LOCAL_CLOUDWATCH_PORT must be a port number, got '${portText}'`);
  const throttleText = env.TUGBOAT_LOCAL_CLOUDWATCH_THROTTLE;
  let throttle: 'off' | number | undefined;
  if (throttleText === 'off' || throttleText === '0') throttle = 'off';
  else if (throttleText !== undefined && throttleText !== '') {
    throttle = Number(throttleText);
    if (!Number.isFinite(throttle) || throttle < 0)
      throw new Error(`TUGBOAT_LOCAL_CLOUDWATCH_THROTTLE must be off or a factor, got '${throttleText}'`);
  }
  return { port, ...(throttle !== undefined ? { throttle } : {}) };
};
