/**
 * Writes WebDAV XML: escaped string templates (no DOM), the `DAV:` namespace
 * under the `D:` prefix, every other element with its own default namespace
 * so values keep their namespaces byte for byte. Also the bodies of errors,
 * with the RFC 4918 precondition element where one exists.
 */
import type { XmlElement, XmlNode } from './xml-request.js';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

/** An element name in output: `D:local` for DAV:, otherwise `local` with its own default namespace. */
export function openTag(ns: string, local: string): { open: string; close: string } {
  if (ns === 'DAV:') return { open: `<D:${local}`, close: `</D:${local}>` };
  return { open: `<${local} xmlns="${escapeXml(ns)}"`, close: `</${local}>` };
}

/** The start tag of an element (with its namespace declarations and attributes), and its end tag. */
function elementTags(element: XmlElement): { start: string; end: string } {
  const tag = openTag(element.ns, element.local);
  let prefixes = 0;
  const attributes = element.attributes
    .map((a) => {
      if (a.ns === '') return ` ${a.local}="${escapeXml(a.value)}"`;
      const prefix = `a${prefixes++}`;
      return ` xmlns:${prefix}="${escapeXml(a.ns)}" ${prefix}:${a.local}="${escapeXml(a.value)}"`;
    })
    .join('');
  const open = element.ns === 'DAV:' ? `${tag.open} xmlns:D="DAV:"` : tag.open;
  return element.children.length === 0
    ? { start: `${open}${attributes}/>`, end: '' }
    : { start: `${open}${attributes}>`, end: tag.close };
}

/**
 * XML of a node list (a dead property's value), self-contained in its
 * namespaces. Walks the tree with its own stack, never by recursion, so no
 * nesting can exhaust the call stack.
 */
export function serializeNodes(nodes: XmlNode[]): string {
  const out: string[] = [];
  // Each entry: a node still to write, or an end tag to write once its children are done.
  const pending: (XmlNode | { end: string })[] = [...nodes].reverse();
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next === 'string') out.push(escapeXml(next));
    else if ('end' in next) out.push(next.end);
    else {
      const { start, end } = elementTags(next);
      out.push(start);
      if (end === '') continue;
      pending.push({ end });
      for (let i = next.children.length - 1; i >= 0; i--) pending.push(next.children[i]!);
    }
  }
  return out.join('');
}

/** `<D:error>` body for a refused precondition (RFC 4918 §16). */
export function errorBody(precondition: string | undefined, message: string, hrefs: string[] = []): string {
  const inner = hrefs.map((href) => `<D:href>${escapeXml(href)}</D:href>`).join('');
  const condition = !precondition
    ? ''
    : inner === ''
      ? `<D:${precondition}/>`
      : `<D:${precondition}>${inner}</D:${precondition}>`;
  return `${XML_DECLARATION}<D:error xmlns:D="DAV:" xmlns:s="urn:sesame">${condition}<s:message>${escapeXml(message)}</s:message></D:error>\n`;
}

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd();
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  423: 'Locked',
  424: 'Failed Dependency',
  507: 'Insufficient Storage',
};

/** A member a COPY, MOVE or DELETE of a collection could not handle, and why. */
export interface Refusal {
  href: string;
  status: number;
}

/** A Multi-Status of one status per href (COPY/MOVE/DELETE partial failures). */
export function statusMultistatus(entries: Refusal[]): string {
  const body = entries
    .map((e) => `<D:response><D:href>${escapeXml(e.href)}</D:href><D:status>${statusLine(e.status)}</D:status></D:response>`)
    .join('');
  return `${XML_DECLARATION}<D:multistatus xmlns:D="DAV:">${body}</D:multistatus>\n`;
}
