/** The query protocol's wire forms for the conformance test: an input as a form, an XML answer as a tree. */

/** The query protocol's form of an input: `Targets.member.1.Id=...`, an empty list as the bare key. */
export const toQuery = (value: unknown, prefix = '', into = new URLSearchParams()): URLSearchParams => {
  if (Array.isArray(value)) {
    if (value.length === 0) into.append(prefix, '');
    value.forEach((item, index) => {
      toQuery(item, `${prefix}.member.${index + 1}`, into);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      if (item !== undefined) toQuery(item, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined && value !== null) into.append(prefix, String(value));
  return into;
};

/** One element of an XML answer: its name, its child elements and its text. */
export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

/** The text of the first element of this name, depth first. */
export const xmlText = (node: XmlNode, name: string): string | undefined => {
  for (const child of node.children) {
    const found = child.name === name ? child.text : xmlText(child, name);
    if (found !== undefined) return found;
  }
  return undefined;
};

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const decode = (text: string) =>
  text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (_, name: string) =>
    name.startsWith('#x') || name.startsWith('#X')
      ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
      : name.startsWith('#')
        ? String.fromCodePoint(Number(name.slice(1)))
        : entities[name]!,
  );

/** The element tree of an answer (elements, text; attributes and declarations are dropped). */
export const parseXml = (xml: string): XmlNode => {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack: XmlNode[] = [root];
  for (const match of xml.matchAll(/<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|<\?[^>]*\?>|([^<]+)/g)) {
    const [, closing, name, selfClosing, text] = match;
    const top = stack[stack.length - 1]!;
    if (text !== undefined) top.text += decode(text);
    else if (name === undefined) continue;
    else if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const node: XmlNode = { name, children: [], text: '' };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  return root;
};
