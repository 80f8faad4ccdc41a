/** Who a request acts for. Every read, list, mutation and subscription is scoped to `owner`. */
export interface Identity {
  owner: string;
  /** An operator: sees and acts on every owner's discussions. */
  admin: boolean;
}

/** With no auth configured, every request is this owner. */
export const ANONYMOUS: Identity = Object.freeze({ owner: 'public', admin: false });

/** Whether a host name or address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
