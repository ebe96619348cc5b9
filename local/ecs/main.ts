/** Starts the local ECS endpoint on its own: `npx tsx local/ecs/main.ts` (settings from env, see config.ts). */
import { localEcsOptionsFromEnv } from './config';
import { startLocalEcsServer } from './server';

const server = await startLocalEcsServer({ host: '0.0.0.0', ...localEcsOptionsFromEnv() });
console.log(`local ECS endpoint listening on ${server.url} (set AWS_ENDPOINT_URL_ECS=${server.url})`);

const shutdown = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
