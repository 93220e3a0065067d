import { ForbiddenError, UnauthenticatedError } from '../shared/errors.ts';

/** Who is calling: resolved once per request from the Authorization header. */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'customer';
      readonly customerId: string /** The key it came with; set for requests, absent for trusted callers. */;
      readonly keyId?: string;
    }
  | { readonly kind: 'admin' };

export type AuthenticatedViewer = Exclude<Viewer, { kind: 'anonymous' }>;

/** Who the operator's own commands (the CLI, the start-up demo customer) act as: the admin. */
export const OPERATOR: AuthenticatedViewer = Object.freeze({ kind: 'admin' });

export function requireAuthenticated(viewer: Viewer): AuthenticatedViewer {
  if (viewer.kind === 'anonymous') {
    throw new UnauthenticatedError('An API key is required: send "Authorization: Bearer <key>"');
  }
  return viewer;
}

export function requireAdmin(viewer: Viewer): void {
  if (requireAuthenticated(viewer).kind !== 'admin') {
    throw new ForbiddenError('Only the admin key may do this');
  }
}

export function requireCustomer(viewer: Viewer): string {
  const authenticated = requireAuthenticated(viewer);
  if (authenticated.kind !== 'customer') {
    throw new ForbiddenError('The admin key has no customer of its own; use a customer key');
  }
  return authenticated.customerId;
}

/** True when the viewer may act on data of this customer. */
export function canActFor(viewer: Viewer, customerId: string): boolean {
  return viewer.kind === 'admin' || (viewer.kind === 'customer' && viewer.customerId === customerId);
}

/**
 * Whom the viewer acts as: a customer (whichever of its keys), the admin, or nobody. What a
 * resolver shows depends on the viewer only through this, so results may be shared by principal.
 */
export function principalOf(viewer: Viewer): string {
  return viewer.kind === 'customer' ? `customer:${viewer.customerId}` : viewer.kind;
}
