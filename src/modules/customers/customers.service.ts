import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { type AuthenticatedViewer, canActFor, requireAdmin, requireAuthenticated, requireCustomer, type Viewer } from '../auth/viewer.ts';
import type { CreditsService } from '../credits/credits.service.ts';
import { BadRequestError, NotFoundError, UnauthenticatedError, ValidationError } from '../shared/errors.ts';
import { assertUuid, parseInput } from '../shared/validation.ts';
import { type ApiKey, toApiKey } from './api-key.ts';
import { ApiKeyCache, type KnownKey } from './api-key-cache.ts';
import { generateApiKey, hashApiKey, keyPrefix, sameSecret } from './api-keys.ts';
import { type Customer, toCustomer } from './customer.ts';
import * as customers from './customers.repository.ts';
import { notifyApiKeyRevoked } from './key-revocations.ts';

const createCustomerInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  credits: z.number().int().min(0, 'must not be negative').max(1_000_000_000).optional(),
});

export interface ApiKeySettings {
  /** How long a looked-up key is trusted without asking the database again (0: never). */
  keyCacheSeconds: number;
  /** Live keys a customer may hold (MAX_API_KEYS_PER_CUSTOMER). */
  maxLiveKeysPerCustomer: number;
}

export class CustomersService {
  private readonly knownKeys: ApiKeyCache;

  private readonly db: Database;
  private readonly credits: CreditsService;
  private readonly adminApiKey: string | undefined;
  private readonly maxLiveKeysPerCustomer: number;
  constructor(db: Database, credits: CreditsService, adminApiKey: string | undefined, settings: ApiKeySettings) {
    this.db = db;
    this.credits = credits;
    this.adminApiKey = adminApiKey;
    this.maxLiveKeysPerCustomer = settings.maxLiveKeysPerCustomer;
    this.knownKeys = new ApiKeyCache(settings.keyCacheSeconds);
  }

  /** Resolves the Authorization header. No header is anonymous; a header that matches nothing is an error. */
  async authenticate(authorization: string | null | undefined): Promise<Viewer> {
    if (authorization === null || authorization === undefined || authorization.trim() === '') return { kind: 'anonymous' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
    if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <key>"');
    const key = match[1]!;
    if (this.adminApiKey && sameSecret(key, this.adminApiKey)) return { kind: 'admin' };
    const known = await this.findLiveKey(hashApiKey(key));
    if (!known) throw new UnauthenticatedError('The API key is not valid');
    return { kind: 'customer', customerId: known.customerId, keyId: known.keyId };
  }

  private async findLiveKey(keyHash: string): Promise<KnownKey | undefined> {
    const cached = this.knownKeys.get(keyHash);
    if (cached) return cached;
    const ticket = this.knownKeys.ticket();
    const found = await customers.findLiveKeyByHash(this.db, keyHash);
    if (!found) return undefined;
    const known = { keyId: found.id, customerId: found.customer_id };
    this.knownKeys.remember(keyHash, known, ticket);
    return known;
  }

  /** Another process revoked the key (its NOTIFY arrived): refuse it from now on. */
  forgetKey(keyId: string): void {
    this.knownKeys.forgetKey(keyId);
  }

  /** Revocations may have been missed while the LISTEN connection was down: look every key up again. */
  forgetAllKeys(): void {
    this.knownKeys.forgetAll();
  }

  /**
   * Creates a customer and its first API key; the key is returned once and only its hash is kept.
   * Admin only (the CLI acts as the admin).
   */
  async create(viewer: Viewer, input: { name: string; credits?: number | null }): Promise<{ customer: Customer; apiKey: string }> {
    requireAdmin(viewer);
    const { name, credits } = parseInput(createCustomerInput, { name: input.name, credits: input.credits ?? undefined }, 'input');
    const apiKey = generateApiKey();
    const customer = await this.db.transaction().execute(async (trx) => {
      const row = await customers.insertCustomer(trx, { name });
      await customers.insertApiKey(trx, { customer_id: row.id, key_hash: hashApiKey(apiKey), key_prefix: keyPrefix(apiKey) });
      const balance = credits ? await this.credits.grant(row.id, credits, trx) : 0;
      return { ...toCustomer(row), credits: balance };
    });
    return { customer, apiKey };
  }

  /**
   * A new key for the caller's customer (the admin names one); the old keys keep working. Shown
   * once. A customer holds at most maxLiveKeysPerCustomer live keys, so a leaked key cannot mint
   * without bound; the key a customer key mints is recorded as minted with it, for a cascading
   * revoke. Creating and revoking a customer's keys queue on its row: a key revoked (or cascaded)
   * meanwhile can no longer mint, and the count cannot be raced past the cap.
   */
  async createApiKey(viewer: Viewer, customerId: string | null | undefined): Promise<{ apiKey: string; key: ApiKey }> {
    const caller = requireAuthenticated(viewer);
    const owner = await this.actingCustomerId(caller, customerId, 'customerId');
    const mintedBy = caller.kind === 'customer' ? (caller.keyId ?? null) : null;
    const apiKey = generateApiKey();
    const row = await this.db.transaction().execute(async (trx) => {
      if (!(await customers.lockCustomerKeys(trx, owner))) throw new NotFoundError('Customer', owner);
      if (mintedBy && !(await customers.isLiveApiKey(trx, mintedBy))) throw new UnauthenticatedError('The API key is not valid');
      const live = await customers.countLiveApiKeys(trx, owner);
      if (live >= this.maxLiveKeysPerCustomer) {
        throw new BadRequestError(
          `A customer may hold at most ${this.maxLiveKeysPerCustomer} live API keys and this one holds ${live}; revoke one first`,
        );
      }
      return customers.insertApiKey(trx, {
        customer_id: owner,
        key_hash: hashApiKey(apiKey),
        key_prefix: keyPrefix(apiKey),
        minted_by_key_id: mintedBy,
      });
    });
    return { apiKey, key: toApiKey(row) };
  }

  /**
   * Ends a key, and with `cascade` every key minted with it, transitively (what a leaked key made
   * goes with it): every request with them is refused from now on (this process forgets them at
   * once, the others when the NOTIFY sent for each with the revocation arrives), and every process
   * ends their open subscriptions within seconds (they check their keys). Final. Returns the key
   * named.
   */
  async revokeApiKey(viewer: Viewer, id: string, cascade = false): Promise<ApiKey> {
    const caller = requireAuthenticated(viewer);
    const keyId = assertUuid(id, 'id');
    const row = await customers.findApiKey(this.db, keyId);
    if (!row || !canActFor(caller, row.customer_id)) throw new NotFoundError('ApiKey', id);
    const revokedIds = await this.db.transaction().execute(async (trx) => {
      await customers.lockCustomerKeys(trx, row.customer_id);
      const ids = await customers.revokeApiKeys(trx, { id: keyId, customerId: row.customer_id }, cascade, new Date());
      for (const revokedId of ids) await notifyApiKeyRevoked(trx, revokedId);
      return ids;
    });
    for (const revokedId of revokedIds) this.knownKeys.forgetKey(revokedId);
    const revoked = await customers.findApiKey(this.db, keyId);
    return toApiKey(revoked!);
  }

  /** The customer's keys, revoked ones included, newest first. */
  async apiKeysOf(customerId: string): Promise<ApiKey[]> {
    return (await customers.listApiKeys(this.db, customerId)).map(toApiKey);
  }

  /** Which of these keys are revoked. */
  revokedKeys(keyIds: readonly string[]): Promise<string[]> {
    return customers.revokedAmong(this.db, keyIds);
  }

  /** The customer behind a customer key. */
  me(viewer: Viewer): Promise<Customer> {
    return this.get(requireCustomer(viewer));
  }

  /** Adds (or, negative, takes) credits; admin only. Returns the customer with its new balance. */
  async grantCredits(viewer: Viewer, customerId: string, amount: number): Promise<Customer> {
    requireAdmin(viewer);
    const id = assertUuid(customerId, 'customerId');
    await this.credits.grant(id, amount);
    return this.get(id);
  }

  /**
   * The customer a request acts for: a customer key's own (naming another is refused), or the
   * one the admin key names, which must exist. Every operation that takes a customerId asks here.
   */
  async actingCustomerId(viewer: AuthenticatedViewer, requested: string | null | undefined, field: string): Promise<string> {
    const named = requested?.trim() || undefined;
    if (viewer.kind === 'customer') {
      if (named && named.toLowerCase() !== viewer.customerId) {
        throw ValidationError.field(field, 'only the admin key may name a customer; leave it out');
      }
      return viewer.customerId;
    }
    if (!named) throw ValidationError.field(field, 'is required with the admin key');
    const customerId = assertUuid(named, field);
    if (!(await this.exists(customerId))) throw new NotFoundError('Customer', named);
    return customerId;
  }

  /** A trusted read by id (other services, the CLI, tests); the API reaches customers through me and the admin operations. */
  async get(id: string): Promise<Customer> {
    const row = await customers.findCustomer(this.db, id);
    if (!row) throw new NotFoundError('Customer', id);
    return toCustomer(row);
  }

  async exists(id: string): Promise<boolean> {
    return (await customers.findCustomer(this.db, id)) !== undefined;
  }

  count(): Promise<number> {
    return customers.countCustomers(this.db);
  }
}
