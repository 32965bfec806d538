/**
 * Client addresses as Sésame counts them. IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.7`) are written as IPv4, so one client is one address
 * whether it came directly or through a proxy; a forwarded `1.2.3.4:5555`
 * or `[::1]:80` loses its port; anything else that is not an IP address is
 * not an address (null), an IPv4 address with a zone index included (only
 * IPv6 has zones: `1.2.3.4%a`, `1.2.3.4%b`… would each be counted apart).
 * For throttling, an IPv6 client is its /64 network: one subscriber holds a
 * whole /64 and could otherwise rotate through it to escape the
 * per-address limits.
 */
import net from 'node:net';

export function normalizeAddress(raw: string): string | null {
  const value = raw.trim();
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value) ?? /^\[([0-9a-fA-F:.%\w]+)\](?::\d{1,5})?$/.exec(value);
  const address = withPort ? withPort[1]! : value;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  const result = mapped ? mapped[1]! : address;
  const [base, zone] = result.split('%') as [string, string | undefined];
  const family = net.isIP(base);
  return family === 0 || (family === 4 && zone !== undefined) ? null : result;
}

function expandIpv6(ip: string): string[] {
  const address = ip.split('%')[0]!;
  const [head, tail] = address.split('::') as [string, string | undefined];
  const groupsOf = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const first = groupsOf(head);
  if (tail === undefined) return first;
  const last = groupsOf(tail);
  return [...first, ...Array<string>(8 - first.length - last.length).fill('0'), ...last];
}

/** The unit that throttling counts: the IPv4 address, or the IPv6 /64 network. */
export function throttleNetwork(ip: string): string {
  const address = normalizeAddress(ip) ?? ip;
  if (net.isIPv6(address.split('%')[0]!)) {
    const prefix = expandIpv6(address)
      .slice(0, 4)
      .map((group) => parseInt(group, 16).toString(16));
    return `${prefix.join(':')}::/64`;
  }
  return address;
}
