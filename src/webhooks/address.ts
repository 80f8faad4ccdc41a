// Where a webhook may go: the URL's shape, and the addresses refused unless
// WEBHOOK_ALLOW_PRIVATE=true (a service that POSTs where a client says must not
// become a way into the network it runs in). Pure: no I/O here.

import { BlockList, isIPv4, isIPv6 } from 'node:net';

export const MAX_WEBHOOK_URL_LENGTH = 2_000;

/** Loopback, private, link-local, shared (carrier-grade NAT), multicast and reserved IPv4 ranges. */
const PRIVATE_IPV4: readonly (readonly [network: string, prefix: number])[] = [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services answer
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

/** Unspecified, loopback, unique-local, link-local, site-local, multicast and discard IPv6 ranges. */
const PRIVATE_IPV6: readonly (readonly [network: string, prefix: number])[] = [
  ['::', 96], // ::, ::1 and the deprecated IPv4-compatible addresses
  ['64:ff9b:1::', 48], // NAT64 for local use
  ['100::', 64], // discard
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
];

const refused = new BlockList();
for (const [network, prefix] of PRIVATE_IPV4) refused.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of PRIVATE_IPV6) refused.addSubnet(network, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (a zone id and a dotted IPv4 tail allowed); undefined when it is not one. */
export function ipv6Groups(address: string): number[] | undefined {
  const bare = address.split('%')[0] ?? '';
  if (!isIPv6(bare)) return undefined;
  let text = bare.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const headGroups = parse(head);
  const tailGroups = parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...fill, ...tailGroups];
}

const ipv4FromGroups = (high: number, low: number): string => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');

/**
 * The IPv4 address an IPv6 one carries to the IPv4 internet, where it does:
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16). IPv4-mapped ones (::ffff:0:0/96)
 * are BlockList's to match against the IPv4 ranges.
 */
function embeddedIpv4(groups: readonly number[]): string | undefined {
  const [g0, g1 = 0, g2 = 0, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4FromGroups(g6, g7);
  if (g0 === 0x2002) return ipv4FromGroups(g1, g2);
  return undefined;
}

/** Whether an IP address (v4 or v6, IPv4-mapped included) is loopback, private, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  if (isIPv4(address)) return refused.check(address, 'ipv4');
  const groups = ipv6Groups(address);
  // Not an IP address: nothing to connect to, so nothing to allow.
  if (!groups) return true;
  const bare = address.split('%')[0] ?? '';
  if (refused.check(bare, 'ipv6')) return true;
  const carried = embeddedIpv4(groups);
  return carried !== undefined && refused.check(carried, 'ipv4');
}

/**
 * Whether a URL's hostname (as `new URL(...).hostname` spells it: lower case,
 * IPv6 in brackets, IPv4 in dotted decimal) names this host or a private
 * network by itself. A name is only known once resolved: delivery checks that.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const literal = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(literal) || isIPv6(literal)) return isPrivateAddress(literal);
  return false;
}

/** Why `value` cannot be a webhook URL (http or https, no credentials, short enough), or undefined when it can. */
export function webhookUrlProblem(value: string): string | undefined {
  if (value.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH.toLocaleString('en-US')} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password; put a token in the path or query instead';
  if (url.hostname === '') return 'has no host';
  // As it is stored and sent: percent-encoding and punycode can make the parsed URL longer than the text.
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH)
    return `must be at most ${MAX_WEBHOOK_URL_LENGTH.toLocaleString('en-US')} characters once encoded`;
  return undefined;
}

/** Where a log line may say a delivery went: scheme, host and port, never the path or query (they may hold a token). */
export const webhookOrigin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
};
