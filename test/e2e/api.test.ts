import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerTaskDefinitionSchema } from '../../lib/validation/schemas';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

const local = useTestStack({ clusters: ['default', 'fuzz'] });

describe('the HTTP API end to end', () => {
  it('walks through register, create, read, patch and delete as a user would', async () => {
    const registered = await local.api.post('/task-definitions', webTaskDefinition('walk'));
    expect(registered.status).toBe(201);
    expect(registered.headers.get('content-type')).toMatch(/application\/json/);

    const created = await local.api.post('/clusters/default/services', webService('walk', 'walk', 2));
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag')!;
    expect(etag).toBe('"1"');

    const patched = await local.api.patch(
      '/clusters/default/services/walk',
      { desiredCount: 3 },
      { 'if-match': etag },
    );
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    const stale = await local.api.patch(
      '/clusters/default/services/walk',
      { desiredCount: 4 },
      { 'if-match': etag },
    );
    expect(stale.status).toBe(412);

    const fetched = await local.api.get('/clusters/default/services/walk');
    const told = [
      'service walk desired count changed from 2 to 3 by local.',
      `service walk deployment ${created.body.deployments[0].id} started (walk:1).`,
    ];
    expect(fetched.body).toMatchObject({ desiredCount: 3, version: 2 });
    // The reconciler may have started tasks meanwhile; those events are its own story.
    const userStory = (items: Array<{ message: string }>) =>
      items.map((event) => event.message).filter((message) => !/has (started|stopped) \d+/.test(message));
    expect(userStory(fetched.body.events)).toEqual(told);
    expect((await local.api.get('/clusters/default/services')).body.items).toHaveLength(1);
    const events = (await local.api.get('/clusters/default/services/walk/events')).body.items;
    expect(userStory(events)).toEqual(told);

    const deleted = await local.api.delete('/clusters/default/services/walk');
    expect(deleted.body).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
  });

  it('answers unknown paths with 404 and wrong methods with 405 and Allow', async () => {
    const unknown = await local.api.get('/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NotFound');
    const wrongMethod = await local.api.call('PUT', '/task-definitions', webTaskDefinition());
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect((await local.api.call('POST', '/clusters/default/services/x', {})).status).toBe(405);
  });

  it('rejects malformed JSON, empty and oversized bodies with 400', async () => {
    const malformed = await local.api.post('/task-definitions', '{"family": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/not valid JSON/);
    expect((await local.api.call('POST', '/task-definitions')).status).toBe(400);
    const huge = {
      ...webTaskDefinition('huge'),
      containerDefinitions: [{ name: 'a', image: 'x', command: ['x'.repeat(300 * 1024)] }],
    };
    const oversized = await local.api.post('/task-definitions', huge);
    expect(oversized.status).toBe(400);
    expect(oversized.body.error.message).toMatch(/limit is 262144 bytes/);
    expect((await local.api.get('/task-definitions/huge')).status).toBe(404);
  });

  it('answers every malformed body with a 4xx and stores nothing (property test)', async () => {
    const before = {
      families: (await local.api.get('/task-definitions/fuzz')).status,
      services: (await local.api.get('/clusters/fuzz/services')).body.items.length,
    };
    const jsonValue = fc.jsonValue({ maxDepth: 4 });
    // Valid documents with one field broken, plus arbitrary JSON and arbitrary text.
    const brokenTaskDefinition = fc
      .record({
        field: fc.constantFrom(
          'family',
          'cpu',
          'memory',
          'containerDefinitions',
          'executionRoleArn',
          'tags',
          'unknownField',
        ),
        value: jsonValue,
      })
      .map(({ field, value }) => ({
        ...webTaskDefinition('fuzz'),
        [field]: value === undefined ? null : value,
      }))
      .filter((body) => !isAcceptableTaskDefinition(body));
    const brokenService = fc
      .record({
        field: fc.constantFrom(
          'serviceName',
          'taskDefinition',
          'desiredCount',
          'networkConfiguration',
          'launchType',
          'deploymentConfiguration',
          'tags',
          'bogus',
        ),
        value: jsonValue,
      })
      .map(({ field, value }) => ({
        ...webService('fuzz', 'nope', 1),
        [field]: value === undefined ? null : value,
      }));
    const body = fc.oneof(
      brokenTaskDefinition.map((value) => ({ path: '/task-definitions', text: JSON.stringify(value) })),
      brokenService.map((value) => ({ path: '/clusters/fuzz/services', text: JSON.stringify(value) })),
      jsonValue.map((value) => ({ path: '/task-definitions', text: JSON.stringify(value) ?? '' })),
      fc.string().map((text) => ({ path: '/clusters/fuzz/services', text })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ path, text }) => {
        const response = await fetch(`${local.stack.apiUrl}${path}`, {
          method: 'POST',
          body: text,
          headers: { 'content-type': 'application/json' },
        });
        const payload = (await response.json()) as { error?: { message?: string } };
        expect(response.status, text).toBeGreaterThanOrEqual(400);
        expect(response.status, text).toBeLessThan(500);
        expect(payload.error?.message).toEqual(expect.any(String));
      }),
      { numRuns: 150 },
    );
    expect((await local.api.get('/task-definitions/fuzz')).status).toBe(before.families);
    expect((await local.api.get('/clusters/fuzz/services')).body.items).toHaveLength(before.services);
  });
});

/** A replaced field can still be valid by chance (e.g. tags: []); the property is about invalid bodies only. */
const isAcceptableTaskDefinition = (body: Record<string, unknown>): boolean =>
  registerTaskDefinitionSchema().safeParse(body).success;
