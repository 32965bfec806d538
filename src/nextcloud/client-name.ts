/**
 * What a Login Flow client is called and which application its password
 * serves, from its User-Agent (the only thing it says about itself). The
 * name follows the app-password name rules (NFC, 1–64 code points, no
 * control, line-separator or invisible formatting character): a character
 * the rules refuse becomes a space, and a long User-Agent is cut. A mail
 * connector's User-Agent gets an `outlook` password; any other client a
 * `sync` one. Pure: it never sees a request.
 */
import { NAME_MAX_CODE_POINTS, validateAppPasswordName } from '../app-passwords/name.js';

/** The name of a client that sent no usable User-Agent. */
export const UNNAMED_CLIENT = 'Client Nextcloud';

/** What the name rules refuse (as app-passwords/name.ts): controls, line separators, invisible formatting (joiners kept). */
const REFUSED = /[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/gu;

interface KnownClient {
  pattern: RegExp;
  application: 'outlook';
  /** A name of its own, when its User-Agent does not name it usefully. */
  name?: string;
}

/** Mail connectors that connect through Login Flow v2 (docs/clients.md). */
const MAIL_CONNECTORS: readonly KnownClient[] = [
  // "NC Connector for Outlook/<version> (<system>)"; its Thunderbird twin, where Thunderbird lets it set one.
  { pattern: /^NC Connector for (Outlook|Thunderbird)\b/i, application: 'outlook' },
  // Thunderbird's *cloud FileLink add-on: "Filelink for *cloud/<version>".
  { pattern: /^Filelink for \*cloud\b/i, application: 'outlook' },
  // A Thunderbird add-on that cannot set its User-Agent sends Thunderbird's own: only a mail add-on asks from there.
  { pattern: /\bThunderbird\/\d/, application: 'outlook', name: 'Thunderbird' },
];

function codePoints(text: string): string[] {
  return [...text];
}

/** `text` cut to at most `max` code points, without leaving a space at either end. */
function cut(text: string, max: number): string {
  return codePoints(text).slice(0, max).join('').trim();
}

/** The User-Agent as an app-password name: refused characters as spaces, runs of spaces as one, at most 64 code points. */
function nameFromUserAgent(userAgent: string): string {
  const cleaned = userAgent.normalize('NFC').replace(REFUSED, ' ').replace(/\s+/g, ' ').trim();
  return cut(cleaned, NAME_MAX_CODE_POINTS);
}

export interface LoginFlowClient {
  /** The app password's name (valid under the name rules). */
  name: string;
  application: 'sync' | 'outlook';
}

export function loginFlowClientOf(userAgent: string | undefined): LoginFlowClient {
  const agent = userAgent ?? '';
  const known = MAIL_CONNECTORS.find((client) => client.pattern.test(agent));
  const name = known?.name ?? (nameFromUserAgent(agent) || UNNAMED_CLIENT);
  return { name: validateAppPasswordName(name).name, application: known?.application ?? 'sync' };
}

/** The n-th name for a client whose name is taken: "laptop (Desktop Client - Linux) (2)", cut to fit. */
export function numberedName(name: string, n: number): string {
  const suffix = ` (${n})`;
  return `${cut(name, NAME_MAX_CODE_POINTS - suffix.length)}${suffix}`;
}
