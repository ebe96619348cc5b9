/**
 * The Node.js the README asks for is enough: package.json's `engines` is the stated minimum, and that
 * version satisfies the `engines.node` range of every package `npm ci` installs (so it warns EBADENGINE
 * for none of them).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const json = (path: string) => JSON.parse(readFileSync(resolve(root, path), 'utf8'));
const text = (path: string) => readFileSync(resolve(root, path), 'utf8');

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  return [major, minor, patch];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of a node-semver range, as the engines fields in the lock file write them. */
const satisfiesComparator = (version: Version, comparator: string): boolean => {
  const match = /^(>=|\^|~)?\s*v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
  if (!match) throw new Error(`cannot read the range comparator "${comparator}"`);
  const [, operator, ...parts] = match;
  if (parts[0] === '*' || parts[0] === 'x') return true;
  const given = parts.filter((part) => part !== undefined && part !== 'x' && part !== '*').length;
  const bound = parse(parts.filter((part) => part !== undefined).join('.'));
  if (operator === '>=') return compare(version, bound) >= 0;
  if (operator === '^') return version[0] === bound[0] && compare(version, bound) >= 0;
  if (operator === '~')
    return version[0] === bound[0] && version[1] === bound[1] && compare(version, bound) >= 0;
  // A bare version: the parts it gives must match (20 is 20.x.x).
  return bound.slice(0, given).every((part, index) => part === version[index]);
};

/** `a || b`, each alternative a space-separated conjunction. */
const satisfies = (version: string, range: string): boolean =>
  range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => satisfiesComparator(parse(version), comparator)),
  );

const minimum = (): string => {
  const range = json('package.json').engines.node as string;
  const match = /^>=(\d+\.\d+\.\d+)$/.exec(range);
  if (!match?.[1]) throw new Error(`package.json engines.node should be >=X.Y.Z, got ${range}`);
  return match[1];
};

describe('the stated Node.js requirement', () => {
  it('reads ranges as npm does', () => {
    expect(satisfies('22.22.2', '>=22.22.2')).toBe(true);
    expect(satisfies('22.21.0', '>=22.22.2')).toBe(false);
    expect(satisfies('20.20.2', '>=22.5.0')).toBe(false);
    expect(satisfies('22.22.2', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('22.22.2', '^20.12||^22.13||>=24.0')).toBe(true);
    expect(satisfies('22.22.2', '>=16 || 14 >=14.17')).toBe(true);
    expect(satisfies('22.22.2', '18 || 20')).toBe(false);
    expect(satisfies('22.22.2', '10.* || >= 12.*')).toBe(true);
  });

  it("satisfies every installed package's engines.node", () => {
    const version = minimum();
    const packages = json('package-lock.json').packages as Record<string, { engines?: { node?: string } }>;
    const unmet = Object.entries(packages)
      .filter(([, entry]) => entry.engines?.node !== undefined)
      .filter(([, entry]) => !satisfies(version, String(entry.engines?.node)))
      .map(([path, entry]) => `${path || 'tugboat'} wants node ${entry.engines?.node}`);
    expect(unmet).toEqual([]);
  });

  it('is what the README and the docs state', () => {
    const stated = `Node.js ${minimum()} or newer`;
    for (const page of ['README.md', 'docs/local-stack.md', 'docs/cli.md']) {
      expect(text(page), page).toContain(stated);
      expect(text(page), page).not.toMatch(/Node\.js 20\+/);
    }
  });
});
