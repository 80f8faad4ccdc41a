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
/** An owner names Redis keys (`owner:{OWNER}:…`): printable ASCII without braces, so it keeps its hash tag. */
const OWNER_SHAPE = /^[\x21-\x7a|~]{1,200}$/;
const JWKS_TIMEOUT_MS = 5_000;
/** A kid not in the cached set triggers a refetch at most this often. */
const JWKS_COOLDOWN_MS = 30_000;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The admin role: a `roles` array or a `role` string claim naming `admin`. */
function hasAdminRole(payload: JWTPayload): boolean {
  const { roles, role } = payload;
  return (Array.isArray(roles) && roles.includes('admin')) || role === 'admin';
}

/**
 * Whether the key set, not the token, is at fault: unreachable, slow, not a
 * 200, or not a key set. jose reports a failed fetch as its generic error.
 */
function isJwksFailure(error: unknown): boolean {
  return (
    !(error instanceof joseErrors.JOSEError) ||
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    error.code === 'ERR_JOSE_GENERIC'
  );
}

function describeJwtFailure(error: unknown): string {
  if (isJwksFailure(error)) return 'the JWKS could not be read';
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} rejected`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify';
  return error instanceof joseErrors.JOSEError ? `invalid token (${error.code})` : 'invalid token';
}

/**
 * Static tokens (compared in constant time, by their SHA-256, so neither the
 * length nor the content of a configured token leaks through timing) and JWTs
 * verified against a JWKS that jose caches and refetches on an unknown `kid`.
 */
export function createAuthenticator(config: AuthConfig, logger: Logger): Authenticator {
  const statics = config.tokens.map((entry) => ({ digest: digest(entry.token), identity: { owner: entry.owner, admin: entry.admin } }));
  const jwt = config.jwt;
  if (jwt && jwt.audience === undefined)
    logger.warn('AUTH_JWT_AUDIENCE is not set, so every token of that JWKS is accepted and none makes an admin');
  const jwks = jwt
    ? createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS })
    : undefined;

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
      // A token without an expiry would be good forever.
      const { payload } = await jwtVerify(token, jwks, { issuer: jwt.issuer, audience: jwt.audience, requiredClaims: ['exp'] });
      const owner = payload[jwt.ownerClaim];
      if (typeof owner !== 'string' || !OWNER_SHAPE.test(owner)) {
        return { ok: false, reason: `claim ${jwt.ownerClaim} is missing or not a usable owner` };
      }
      // Without an audience check, a token the same identity provider issued for another application would do: its
      // `admin` role must not make an operator here.
      return { ok: true, identity: { owner, admin: jwt.audience !== undefined && hasAdminRole(payload) } };
    } catch (error) {
      // The operator's problem, not the caller's: say so once per failure, above the per-request info line.
      if (isJwksFailure(error)) logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'JWKS unavailable');
      return { ok: false, reason: describeJwtFailure(error) };
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
