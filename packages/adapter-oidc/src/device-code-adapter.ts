import Provider, { type Adapter, type AdapterPayload } from "oidc-provider";

/** Between the store's row reference and the user code in a device code's handed-out `jti`. */
const separator = "#";

/** The library's routes that look a device code up by what its own interaction stored. */
const routesResumingADeviceCode = new Set(["device_resume", "code_verification"]);

/**
 * The DeviceCode model over the stored-row references of ADR 0017. The library finds a device
 * code by its user code, then keeps the `jti` it got in the interaction and finds the code by it
 * when the browser comes back (lib/actions/authorization/device.js). Our store gives such a find
 * only a reference to the row (`stored:<hash>`), which its `find` deliberately never resolves, so
 * the reference handed out here also names the user code, and a find by it reads the row by user
 * code and checks it is the same row. That second way in is open only on the device pages' own
 * routes: at the token, introspection and revocation endpoints a client presents the device code
 * itself, and a reference (or a user code it contains) is worth nothing there.
 */
export function deviceCodeAdapterOf(stored: Adapter): Adapter {
  return {
    async findByUserCode(userCode) {
      const payload = await stored.findByUserCode(userCode);
      if (payload?.jti === undefined) return payload;
      return { ...payload, jti: `${payload.jti}${separator}${userCode}` };
    },
    async find(id) {
      const reference = referenceOf(id);
      if (reference === null) return stored.find(id);
      if (!routesResumingADeviceCode.has(Provider.ctx?.oidc?.route ?? "")) return undefined;
      const payload = await stored.findByUserCode(reference.userCode);
      if (payload === undefined || payload.jti !== reference.row) return undefined;
      return { ...payload, jti: id } satisfies AdapterPayload;
    },
    upsert: (id, payload, expiresIn) => stored.upsert(rowOf(id), payload, expiresIn),
    consume: (id) => stored.consume(rowOf(id)),
    destroy: (id) => stored.destroy(rowOf(id)),
    findByUid: (uid) => stored.findByUid(uid),
    revokeByGrantId: (grantId) => stored.revokeByGrantId(grantId),
  };
}

function referenceOf(id: string): { row: string; userCode: string } | null {
  const at = id.indexOf(separator);
  return at === -1 ? null : { row: id.slice(0, at), userCode: id.slice(at + 1) };
}

/** The store's own reference for a handed-out one; any other id as it is. */
function rowOf(id: string): string {
  return referenceOf(id)?.row ?? id;
}
