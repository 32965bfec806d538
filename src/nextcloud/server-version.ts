/**
 * Who Sésame says it is to Nextcloud clients: the Nextcloud version whose
 * client protocol it speaks (clients gate features on it, and the NC
 * Connector refuses anything below 32) and its product name, as
 * `/status.php` and the capabilities' `version` and `core.status` give
 * them. One place, so that the three never disagree.
 */

/** The Nextcloud release whose client protocol Sésame speaks. */
export const NEXTCLOUD_VERSION = { major: 32, minor: 0, micro: 0 } as const;
export const PRODUCT_NAME = 'Sésame';

const versionString = `${NEXTCLOUD_VERSION.major}.${NEXTCLOUD_VERSION.minor}.${NEXTCLOUD_VERSION.micro}`;

/** The document of GET /status.php (and of the capabilities' `core.status`). */
export function serverStatus() {
  return {
    installed: true,
    maintenance: false,
    needsDbUpgrade: false,
    version: `${versionString}.0`,
    versionstring: versionString,
    edition: '',
    productname: PRODUCT_NAME,
    extendedSupport: false,
  };
}

/** The capabilities' `version` object. */
export function capabilitiesVersion() {
  return { ...NEXTCLOUD_VERSION, string: versionString, edition: '', extendedSupport: false };
}
