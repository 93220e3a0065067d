import type { CustomerRow } from '../../db/schema/customers.ts';

export interface Customer {
  id: string;
  name: string;
  credits: number;
  createdAt: Date;
}

export function toCustomer(row: CustomerRow): Customer {
  return { id: row.id, name: row.name, credits: row.credits, createdAt: row.created_at };
}
