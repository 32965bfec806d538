/**
 * Parses the WebDAV `If` header (RFC 4918 §10.4): untagged or tagged lists
 * of conditions, each a lock token (a Coded-URL) or an entity tag in
 * brackets, optionally negated with `Not`. Pure; evaluation is in locks.ts.
 */
import { SesameError } from '../errors.js';

export interface IfCondition {
  not: boolean;
  kind: 'token' | 'etag';
  value: string;
}

export interface IfList {
  /** The tagged resource (a URL or path as sent), or null for the request target. */
  resource: string | null;
  conditions: IfCondition[];
}

const MAX_IF_LENGTH = 16 * 1024;

function malformed(): SesameError {
  return new SesameError('DAV_HEADER_INVALID', 'The If header is malformed (RFC 4918 §10.4).');
}

export function parseIfHeader(header: string): IfList[] {
  if (header.length > MAX_IF_LENGTH) throw malformed();
  const lists: IfList[] = [];
  let resource: string | null = null;
  let tagged: boolean | null = null;
  let i = 0;
  const skipSpace = () => {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readUntil = (end: string): string => {
    const stop = header.indexOf(end, i);
    if (stop < 0) throw malformed();
    const value = header.slice(i, stop);
    i = stop + 1;
    return value;
  };
  for (skipSpace(); i < header.length; skipSpace()) {
    const c = header[i];
    if (c === '<') {
      if (tagged === false) throw malformed();
      tagged = true;
      i++;
      resource = readUntil('>');
      skipSpace();
      if (header[i] !== '(') throw malformed();
    } else if (c === '(') {
      if (tagged === null) tagged = false;
      i++;
      const conditions: IfCondition[] = [];
      for (skipSpace(); header[i] !== ')'; skipSpace()) {
        if (i >= header.length) throw malformed();
        let not = false;
        if (header.startsWith('Not', i)) {
          not = true;
          i += 3;
          skipSpace();
        }
        if (header[i] === '<') {
          i++;
          conditions.push({ not, kind: 'token', value: readUntil('>') });
        } else if (header[i] === '[') {
          i++;
          conditions.push({ not, kind: 'etag', value: readUntil(']') });
        } else {
          throw malformed();
        }
      }
      i++;
      if (conditions.length === 0) throw malformed();
      lists.push({ resource, conditions });
    } else {
      throw malformed();
    }
  }
  if (lists.length === 0) throw malformed();
  return lists;
}

/** Lock tokens the client submitted (named without `Not`): what lets it act on locked resources. */
export function submittedTokens(lists: IfList[]): Set<string> {
  return new Set(lists.flatMap((list) => list.conditions.filter((c) => c.kind === 'token' && !c.not).map((c) => c.value)));
}
