/**
 * Every relative link in the README and docs/ resolves: the file exists and, for `#anchor`, the page has
 * a heading with that GitHub slug. Links in code blocks and inline code are text, not links.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Pages another branch writes (linked from here before it lands); empty once merged. */
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The page's prose: fenced code blocks and inline code removed. */
const prose = (markdown: string): string =>
  markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
const anchorsOf = (markdown: string): Set<string> => {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (heading ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
};

const linksOf = (markdown: string): string[] =>
  [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map(([, target]) => target ?? '');

describe('documentation links', () => {
  it('finds the pages and their links', () => {
    expect(pages.length).toBeGreaterThan(10);
    expect(linksOf(readFileSync(join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(10);
  });

  it('computes GitHub anchors', () => {
    expect([
      ...anchorsOf('# Auto scaling\n## Result files (`a/<b>.json`, v1)\n## Walkthrough\n## Walkthrough'),
    ]).toEqual(['auto-scaling', 'result-files-abjson-v1', 'walkthrough', 'walkthrough-1']);
  });

  it.each(pages)('every relative link of %s resolves', (page) => {
    const broken: string[] = [];
    for (const target of linksOf(readFileSync(join(root, page), 'utf8'))) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
      if (!existsSync(file)) {
        broken.push(`${target}: no such file`);
      } else if (
        anchor !== undefined &&
        file.endsWith('.md') &&
        !anchorsOf(readFileSync(file, 'utf8')).has(anchor)
      ) {
        broken.push(`${target}: no heading with that anchor`);
      }
    }
    expect(broken).toEqual([]);
  });
});
