/**
 * Set-up shared by the Nextcloud-compatible suites: the requests the real
 * clients send (their User-Agents and headers, as recorded), an OCS call
 * with Basic auth, and the OCS XML read back into the shape of its JSON so
 * that both formats can be checked against one expectation. Nothing here
 * is under test.
 */
import { SaxesParser } from 'saxes';
import type { TestServer } from '../helpers/server.js';
import { rawRequest, type DavAccount, type DavReply } from '../helpers/dav.js';

/** nextcloudcmd 3.7.3 (Debian's nextcloud-desktop-cmd), as it sent itself to Sésame. */
export const NEXTCLOUDCMD_HEADERS = {
  'user-agent':
    'Mozilla/5.0 (Linux) mirall/3.7.3git (nextcloudcmd, debian-6.18.44-fc-v1300 ClientArchitecture: x86_64 OsArchitecture: x86_64)',
  accept: '*/*',
  'accept-encoding': 'gzip, deflate',
  'accept-language': 'en,*',
};
/** The desktop client's Login Flow User-Agent: Utility::friendlyUserAgentString(). */
export const DESKTOP_LOGIN_FLOW_AGENT = 'laptop (Desktop Client - Linux)';
export const NC_CONNECTOR_OUTLOOK_AGENT = 'NC Connector for Outlook/2.4.1 (Windows 11)';
export const CLOUD_FILELINK_AGENT = 'Filelink for *cloud/4.0.2';

export interface OcsCall {
  method?: string;
  /** Sends `OCS-APIRequest: true` (every real client does); true by default. */
  ocsApiRequest?: boolean;
  headers?: Record<string, string>;
  from?: string;
  body?: string;
}

/** An OCS request as `account` (anonymous when null). */
export function ocs(server: TestServer, account: DavAccount | null, path: string, call: OcsCall = {}): Promise<DavReply> {
  return rawRequest(server, account, call.method ?? 'GET', path, {
    headers: { ...(call.ocsApiRequest === false ? {} : { 'ocs-apirequest': 'true' }), ...call.headers },
    ...(call.from ? { from: call.from } : {}),
    ...(call.body === undefined ? {} : { body: call.body }),
  });
}

export function json(reply: DavReply) {
  return JSON.parse(reply.text);
}

type XmlValue = string | XmlValue[] | { [name: string]: XmlValue };

/**
 * OCS XML as the value its JSON would be, leaves as text: an element whose
 * children are all `element` is a list, one with children an object, an
 * empty one ''.
 */
export function readOcsXml(text: string): XmlValue {
  const parser = new SaxesParser();
  const stack: { name: string; children: [string, XmlValue][]; text: string }[] = [{ name: '', children: [], text: '' }];
  parser.on('opentag', (tag) => stack.push({ name: tag.name, children: [], text: '' }));
  parser.on('text', (value) => {
    stack[stack.length - 1]!.text += value;
  });
  parser.on('closetag', () => {
    const node = stack.pop()!;
    let value: XmlValue;
    if (node.children.length === 0) value = node.text.trim() === '' ? '' : node.text;
    else if (node.children.every(([name]) => name === 'element')) value = node.children.map(([, child]) => child);
    else value = Object.fromEntries(node.children);
    stack[stack.length - 1]!.children.push([node.name, value]);
  });
  parser.write(text).close();
  return Object.fromEntries(stack[0]!.children);
}

/** What a JSON value reads as in Nextcloud's XML: true as '1', false and null as '', numbers as text; empty lists as ''. */
export function asXmlText(value: unknown): XmlValue {
  if (value === true) return '1';
  if (value === false || value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.length === 0 ? '' : value.map(asXmlText);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? '' : Object.fromEntries(entries.map(([key, item]) => [key, asXmlText(item)]));
  }
  return String(value);
}
