/**
 * Names the client of a connection from its User-Agent, as people say it:
 * « Chrome 156 · Linux », « rclone 1.60 », « Explorateur Windows ». WebDAV
 * and sync clients come from a short table (bowser knows browsers only);
 * browsers from bowser. An unknown string is shown as it is (the caller
 * keeps the full string at hand).
 */
import Bowser from 'bowser';

interface KnownClient {
  pattern: RegExp;
  /** The name, or a message key when it has a name per language. */
  name: string | { key: string };
  /** Adds the version captured by the pattern's first group. */
  versioned?: boolean;
}

/** Clients of the WebDAV drive, the sync and the tools people use with app passwords. */
const KNOWN: KnownClient[] = [
  { pattern: /^Microsoft-WebDAV-MiniRedir\//i, name: { key: 'clients.windowsExplorer' } },
  { pattern: /^WebDAVFS\/([\d.]+)/i, name: { key: 'clients.macFinder' } },
  { pattern: /^rclone\/v?(\d+\.\d+)/i, name: 'rclone', versioned: true },
  { pattern: /^davfs2\/([\d.]+)/i, name: 'davfs2', versioned: true },
  { pattern: /^gvfs\/([\d.]+)/i, name: { key: 'clients.gnomeFiles' } },
  { pattern: /^cadaver\/([\d.]+)/i, name: 'cadaver', versioned: true },
  { pattern: /^litmus\/([\d.]+)/i, name: 'litmus', versioned: true },
  { pattern: /Nextcloud-(?:android|iOS)|Mozilla\/5\.0 \((?:Android|iOS)\) Nextcloud/i, name: 'Nextcloud mobile' },
  { pattern: /mirall\/(\d+\.\d+)/i, name: 'Nextcloud desktop', versioned: true },
  { pattern: /^Nextcloud-desktop\/(\d+\.\d+)/i, name: 'Nextcloud desktop', versioned: true },
  { pattern: /^curl\/([\d.]+)/i, name: 'curl', versioned: true },
];

/** A short name for a User-Agent; `translate` names the clients that have a name per language. */
export function clientName(userAgent: string, translate: (key: string) => string): string {
  const client = userAgent.trim();
  if (client === '') return '';
  for (const known of KNOWN) {
    const match = known.pattern.exec(client);
    if (!match) continue;
    const name = typeof known.name === 'string' ? known.name : translate(known.name.key);
    return known.versioned && match[1] ? `${name} ${match[1]}` : name;
  }
  const parsed = Bowser.parse(client);
  const browser = parsed.browser.name;
  if (!browser) return client;
  const major = parsed.browser.version?.split('.')[0];
  const system = parsed.os.name;
  return [major ? `${browser} ${major}` : browser, system].filter(Boolean).join(' · ');
}
