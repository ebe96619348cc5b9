/**
 * The AWS query protocol, both ways: a form-encoded request (`Targets.member.1.Id=10.0.0.5`) read into plain
 * objects and arrays, and a result written as the XML the SDK and the AWS CLI parse (lists as `<member>`).
 */

export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };
export type QueryInput = { [key: string]: QueryValue };

export const xmlNamespace = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

type Tree = { [key: string]: Tree | string };

const isMemberList = (node: Tree) => {
  const keys = Object.keys(node);
  return keys.length === 1 && keys[0] === 'member' && typeof node.member === 'object';
};

const normalize = (node: Tree | string): QueryValue => {
  if (typeof node === 'string') return node;
  if (isMemberList(node)) {
    return Object.entries(node.member as Tree)
      .filter(([index]) => /^\d+$/.test(index))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, value]) => normalize(value));
  }
  // fromEntries defines own properties, so a `__proto__` member stays a plain member.
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, normalize(value)]));
};

/** Reads `a.b.member.2.c=v` pairs into nested values; `member.N` lists become arrays in index order. */
export const parseQuery = (form: string): QueryInput => {
  const root: Tree = Object.create(null);
  for (const [key, value] of new URLSearchParams(form)) {
    const path = key.split('.');
    let node = root;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      const child = node[segment];
      if (typeof child === 'object') node = child;
      else {
        const created: Tree = Object.create(null);
        node[segment] = created;
        node = created;
      }
    });
  }
  return normalize(root) as QueryInput;
};

export type XmlValue =
  | string
  | number
  | boolean
  | undefined
  | null
  | XmlValue[]
  | { [key: string]: XmlValue };

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (char) =>
    char === '<'
      ? '&lt;'
      : char === '>'
        ? '&gt;'
        : char === '&'
          ? '&amp;'
          : char === "'"
            ? '&apos;'
            : '&quot;',
  );

/** One element; undefined and null members are left out, as the service leaves them out. */
export const toXml = (name: string, value: XmlValue): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value))
    return `<${name}>${value.map((item) => toXml('member', item)).join('')}</${name}>`;
  if (typeof value === 'object') {
    const children = Object.entries(value)
      .map(([key, child]) => toXml(key, child))
      .join('');
    return `<${name}>${children}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
};

export const resultDocument = (action: string, result: { [key: string]: XmlValue }, requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlNamespace}">${toXml(`${action}Result`, result)}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;

export const errorDocument = (error: { type: string; code: string; message: string }, requestId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlNamespace}">${toXml('Error', { Type: error.type, Code: error.code, Message: error.message })}<RequestId>${requestId}</RequestId></ErrorResponse>`;
