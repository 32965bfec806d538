/**
 * PROPPATCH (RFC 4918 §9.2): sets and removes dead properties in document
 * order, all or nothing, stored durably in the database. A live property
 * in the request fails with 403 cannot-modify-protected-property and every
 * other one with 424; past the limits of dead properties or the quota
 * (webdav/dead-properties.ts) every property set fails with 507 and every
 * removal with 424. Nothing is then changed.
 */
import { isSesameError, SesameError } from '../../errors.js';
import { hrefOf } from '../dav-path.js';
import { statTarget, type DavHandler } from '../dav-request.js';
import { isLiveProperty } from '../live-properties.js';
import { assertMayChange } from '../locks.js';
import type { PropertyChange } from '../../repositories/dav-properties.js';
import { applyPropertyChanges } from '../dead-properties.js';
import { childElements, DAV_NS, readXml } from '../xml-request.js';
import { escapeXml, openTag, serializeNodes, statusLine, XML_DECLARATION } from '../xml-response.js';

export const proppatch: DavHandler = async (dav) => {
  const root = await readXml(dav.body);
  if (!root || root.ns !== DAV_NS || root.local !== 'propertyupdate') {
    throw new SesameError('DAV_XML_INVALID', 'PROPPATCH expects a DAV:propertyupdate body.');
  }
  const stat = await statTarget(dav);
  if (!stat) throw new SesameError('DAV_NOT_FOUND', 'No such file or folder.');
  await assertMayChange(dav, stat, [{ segments: dav.target.segments, descendants: false }]);

  const changes: PropertyChange[] = [];
  for (const operation of childElements(root)) {
    if (operation.ns !== DAV_NS || (operation.local !== 'set' && operation.local !== 'remove')) continue;
    for (const prop of childElements(operation).filter((e) => e.ns === DAV_NS && e.local === 'prop')) {
      for (const property of childElements(prop)) {
        changes.push(
          operation.local === 'set'
            ? {
                kind: 'set',
                property: { namespace: property.ns, name: property.local, value: serializeNodes(property.children) },
              }
            : { kind: 'remove', namespace: property.ns, name: property.local },
        );
      }
    }
  }
  const name = (c: PropertyChange) =>
    c.kind === 'set' ? { ns: c.property.namespace, local: c.property.name } : { ns: c.namespace, local: c.name };
  const live = changes.some((c) => isLiveProperty(name(c).ns, name(c).local));
  let full = false;
  if (!live) {
    try {
      await applyPropertyChanges(dav, changes);
    } catch (error) {
      if (!isSesameError(error, 'DAV_INSUFFICIENT_STORAGE')) throw error;
      full = true;
    }
  }

  const statusOf = (change: PropertyChange): number => {
    const { ns, local } = name(change);
    if (live) return isLiveProperty(ns, local) ? 403 : 424;
    if (full) return change.kind === 'set' ? 507 : 424;
    return 200;
  };
  const propstats = changes
    .map((change) => {
      const { ns, local } = name(change);
      const status = statusOf(change);
      const condition = status === 403 ? '<D:responsedescription>cannot-modify-protected-property</D:responsedescription>' : '';
      return `<D:propstat><D:prop>${openTag(ns, local).open}/></D:prop><D:status>${statusLine(status)}</D:status>${condition}</D:propstat>`;
    })
    .join('');
  const href = escapeXml(hrefOf(dav.target.segments, stat.isDirectory));
  dav.reply
    .status(207)
    .type('application/xml; charset=utf-8')
    .send(
      `${XML_DECLARATION}<D:multistatus xmlns:D="DAV:"><D:response><D:href>${href}</D:href>${propstats}</D:response></D:multistatus>\n`,
    );
};
