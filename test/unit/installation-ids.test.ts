/**
 * Installation ids cannot overlap. One installation's ECS family names, startedBy
 * prefix and IAM family pattern must never cover another's, whatever the families.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { ecsFamily, isValidInstallation, startedByPrefix } from '../../lib/inventory/naming';

const require = createRequire(import.meta.url);
const plugin = require('../../scripts/serverless-installation.cjs') as {
  INSTALLATION_PATTERN: RegExp;
  new (serverless: unknown): { check(): void };
};

/** IAM's `*` glob (serverless.yml: task-definition/tugboat-<installation>-*). */
const iamGlobMatches = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

const idChars = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.split(''),
);
const candidateId = fc.string({ unit: idChars, minLength: 1, maxLength: 12 });
const family = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
  minLength: 1,
  maxLength: 12,
});

describe('installation ids', () => {
  it("never let one installation's family pattern, families or startedBy prefix cover another's", () => {
    // The dangerous pairs share a prefix (`prod`, `prod-eu`): draw those on purpose, not only by chance.
    const pair = fc
      .tuple(candidateId, candidateId, fc.constantFrom('', '-', '_'))
      .map(([a, x, joint]) => [a, joint === '' ? x : `${a}${joint}${x}`] as const);
    fc.assert(
      fc.property(pair, family, family, ([a, b], familyA, familyB) => {
        fc.pre(a !== b && isValidInstallation(a) && isValidInstallation(b));
        expect(iamGlobMatches(`tugboat-${a}-*`, ecsFamily(b, familyB))).toBe(false);
        expect(ecsFamily(a, familyA)).not.toBe(ecsFamily(b, familyB));
        expect(startedByPrefix(b).startsWith(startedByPrefix(a))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['prod-eu', 'dev_2', '', 'x'.repeat(41), 'tugboat-dev'])('refuses %j', (id) => {
    expect(isValidInstallation(id)).toBe(false);
    expect(() => loadConfig({ TUGBOAT_INSTALLATION: id })).toThrow(/TUGBOAT_INSTALLATION/);
    const serverless = { service: { custom: { installation: id } }, classes: { Error } };
    expect(() => new plugin(serverless).check()).toThrow(/must be 1-40 letters and digits/);
  });

  it('the deploy-time check and the rule agree', () => {
    fc.assert(
      fc.property(fc.string({ unit: idChars, maxLength: 45 }), (id) => {
        expect(plugin.INSTALLATION_PATTERN.test(id)).toBe(isValidInstallation(id));
      }),
    );
    const serverless = { service: { custom: { installation: 'prod2' } }, classes: { Error } };
    expect(() => new plugin(serverless).check()).not.toThrow();
  });
});
