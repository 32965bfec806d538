/**
 * Who a request acts for, and how it proved it. Routes see only this.
 */
import type { Role } from '../db/schema.js';

interface Account {
  userId: string;
  username: string;
  role: Role;
}

export type Principal =
  | (Account & { via: 'session'; sessionId: string })
  | (Account & { via: 'app-password'; appPasswordId: string })
  | (Account & { via: 'primary-password' });
