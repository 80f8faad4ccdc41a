import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import { authConfigured, type AuthConfig } from '../config.js';
import { ANONYMOUS, type Identity } from './identity.js';

/** Why a credential was refused. The reason is for the log; the client only learns it was refused. */
export type AuthResult = { ok: true; identity: Identity } | { ok: false; reason: string };

export interface Authenticator {
  /** Whether requests need a credential at all (otherwise everyone is owner `public`). */
  readonly required: boolean;
  /** Checks an `Authorization` header value (`Bearer <token>`); never logs or returns the token. */
  authenticate(authorization: string | null | undefined): Promise<AuthResult>;
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,8192})[ \t]*$/i;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const JWKS_TIMEOUT_MS = 5_000;
/** A kid not in the cached set triggers a refetch at most this often. */
const JWKS_COOLDOWN_MS = 30_000;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The admin role: a `roles` array or a `role` string claim naming `admin`. */
function hasAdminRole(payload: JWTPayload): boolean {
  const { roles, role } = payload as { roles?: unknown; role?: unknown };
  return (Array.isArray(roles) && roles.includes('admin')) || role === 'admin';
}

function describeJwtFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} rejected`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof joseErrors.JOSEError) return `invalid token (${error.code})`;
  return 'the JWKS could not be read';
}

/**
 * Static tokens (compared in constant time, by their SHA-256, so neither the
 * length nor the content of a configured token leaks through timing) and JWTs
 * verified against a JWKS that jose caches and refetches on an unknown `kid`.
 */
export function createAuthenticator(config: AuthConfig, logger: Logger): Authenticator {
  const statics = config.tokens.map((entry) => ({ digest: digest(entry.token), identity: { owner: entry.owner, admin: entry.admin } }));
  const jwt = config.jwt;
  const jwks = jwt ? createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS }) : undefined;

  function matchStatic(token: string): Identity | undefined {
    const presented = digest(token);
    let found: Identity | undefined;
    // Compare against every entry, so the time taken does not say which one matched.
    for (const entry of statics) {
      if (timingSafeEqual(presented, entry.digest) && !found) found = entry.identity;
    }
    return found;
  }

  async function verifyJwt(token: string): Promise<AuthResult> {
    if (!jwt || !jwks) return { ok: false, reason: 'unknown token' };
    if (!JWT_SHAPE.test(token)) return { ok: false, reason: 'unknown token' };
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: jwt.issuer, audience: jwt.audience });
      const owner = payload[jwt.ownerClaim];
      if (typeof owner !== 'string' || owner.length === 0 || owner.length > 200) {
        return { ok: false, reason: `claim ${jwt.ownerClaim} is missing or not a usable owner` };
      }
      return { ok: true, identity: { owner, admin: hasAdminRole(payload) } };
    } catch (error) {
      const reason = describeJwtFailure(error);
      if (!(error instanceof joseErrors.JOSEError) || error instanceof joseErrors.JWKSTimeout) {
        logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'JWKS unavailable');
      }
      return { ok: false, reason };
    }
  }

  return {
    required: authConfigured(config),
    async authenticate(authorization) {
      if (!authConfigured(config)) return { ok: true, identity: ANONYMOUS };
      if (!authorization) return { ok: false, reason: 'no credential' };
      const token = BEARER.exec(authorization)?.[1];
      if (!token) return { ok: false, reason: 'not a Bearer credential' };
      const identity = matchStatic(token);
      return identity ? { ok: true, identity } : verifyJwt(token);
    },
  };
}
