/**
 * autoDeploy.tagPattern: a glob in which `*` matches any run of characters (none included) and every
 * other character matches itself. Matched without regular expressions: a pattern such as
 * `*a*a*a*a*a*a*a*a*b` makes a backtracking regex (and picomatch, which compiles to one) take
 * exponential time, stalling every deploy behind it.
 *
 * The pattern splits at its stars into literals. The first literal must start the tag and the last must
 * end it; each literal in between is taken at its leftmost place after the one before. Taking the
 * leftmost place never loses a match, because a star can absorb whatever a later choice would have
 * skipped. Each literal is searched once, so the work is bounded by tag length x pattern length.
 */
export const matchesTagPattern = (tag: string, pattern: string): boolean => {
  const literals = pattern.split('*');
  if (literals.length === 1) return tag === pattern;
  const first = literals[0] ?? '';
  const last = literals[literals.length - 1] ?? '';
  if (first.length + last.length > tag.length) return false;
  if (!tag.startsWith(first) || !tag.endsWith(last)) return false;
  let from = first.length;
  const end = tag.length - last.length;
  for (const literal of literals.slice(1, -1)) {
    if (literal === '') continue;
    const at = tag.indexOf(literal, from);
    if (at < 0 || at + literal.length > end) return false;
    from = at + literal.length;
  }
  return true;
};
