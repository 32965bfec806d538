/**
 * Reads a WebDAV request body (PROPFIND, PROPPATCH, LOCK) as XML: at most
 * 1 MiB, strict and namespace-aware (saxes), refusing any DTD (so no
 * external entity and no entity expansion: billion laughs cannot start),
 * at most MAX_XML_DEPTH levels deep and MAX_XML_ELEMENTS elements, so that
 * parsing costs time linear in the body (saxes looks a namespace prefix up
 * through every open element: unbounded nesting made that quadratic).
 * Returns a small element tree; text outside elements is dropped. Nothing
 * here, nor anything that walks the tree, recurses on the client's nesting.
 */
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { SesameError } from '../errors.js';

export const MAX_XML_BYTES = 1024 * 1024;
export const DAV_NS = 'DAV:';
/**
 * RFC 4918 bodies need four levels (propertyupdate, set, prop, the
 * property); the rest is for a dead property's value, which real clients
 * keep flat or a few levels deep. libxml2 stops at 256; 64 leaves a value
 * 60 levels and keeps the parser's per-element prefix lookup short.
 */
export const MAX_XML_DEPTH = 64;
/** A PROPFIND names a few dozen properties, a PROPPATCH sets as many: far below this. */
export const MAX_XML_ELEMENTS = 10_000;

export interface XmlElement {
  ns: string;
  local: string;
  attributes: { ns: string; local: string; value: string }[];
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

function xmlInvalid(detail: string): SesameError {
  return new SesameError('DAV_XML_INVALID', `The request body is not acceptable XML: ${detail}.`);
}

/**
 * The whole body, refused past `limit` bytes. The rest is left to the
 * surface, which reads and drops a bounded amount of it once the refusal
 * is sent (request-body.ts), never into memory.
 */
export function readBody(body: Readable, limit = MAX_XML_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      body.off('data', onData);
      body.off('end', onEnd);
      body.pause();
      reject(new SesameError('DAV_BODY_TOO_LARGE', `An XML request body may be at most ${limit} bytes.`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    body.on('data', onData);
    body.on('end', onEnd);
    body.once('error', reject);
  });
}

export function parseXml(bytes: Buffer): XmlElement | null {
  if (bytes.length === 0) return null;
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let source: string;
  try {
    source = text.decode(bytes);
  } catch {
    throw xmlInvalid('it is not valid UTF-8');
  }
  if (source.trim() === '') return null;
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let open = 0;
  let elements = 0;
  // Counted as each tag starts, before saxes resolves its namespace: the refusal costs nothing more.
  parser.on('opentagstart', () => {
    open++;
    elements++;
    if (open > MAX_XML_DEPTH) throw xmlInvalid(`elements may be nested at most ${MAX_XML_DEPTH} levels deep`);
    if (elements > MAX_XML_ELEMENTS) throw xmlInvalid(`a body may hold at most ${MAX_XML_ELEMENTS} elements`);
  });
  parser.on('error', (error) => {
    throw xmlInvalid(error.message.replace(/^undefined:/, '').trim());
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^(utf-8|us-ascii)$/i.test(decl.encoding)) throw xmlInvalid('only UTF-8 is accepted');
  });
  parser.on('doctype', () => {
    throw xmlInvalid('a document type declaration (DTD) is not accepted');
  });
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      ns: tag.uri ?? '',
      local: tag.local ?? tag.name,
      attributes: Object.values(tag.attributes)
        .filter((attribute) => attribute.prefix !== 'xmlns' && attribute.name !== 'xmlns')
        .map((attribute) => ({ ns: attribute.uri, local: attribute.local, value: attribute.value })),
      children: [],
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    open--;
    stack.pop();
  });
  const onText = (value: string) => {
    stack[stack.length - 1]?.children.push(value);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.write(source).close();
  return root;
}

export async function readXml(body: Readable): Promise<XmlElement | null> {
  return parseXml(await readBody(body));
}

export function isElement(node: XmlNode | undefined): node is XmlElement {
  return typeof node === 'object';
}

export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter(isElement);
}

export function child(element: XmlElement, ns: string, local: string): XmlElement | undefined {
  return childElements(element).find((e) => e.ns === ns && e.local === local);
}
