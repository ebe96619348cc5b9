/**
 * The load generator for the api benchmark, in its own process so it does not share the server's event
 * loop: autocannon at the given concurrency and duration; prints autocannon's result as JSON.
 * argv[2]: { url, connections, seconds, method, paths: string[], bodies?: string[] }, rotated per request.
 */
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  method: 'GET' | 'POST' | 'PATCH';
  paths: string[];
  bodies?: string[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
let sent = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  requests: [
    {
      method: spec.method,
      setupRequest: (request) => {
        const index = sent++;
        return {
          ...request,
          path: spec.paths[index % spec.paths.length]!,
          ...(spec.bodies
            ? {
                body: spec.bodies[index % spec.bodies.length]!,
                headers: { 'content-type': 'application/json' },
              }
            : {}),
        };
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result));
