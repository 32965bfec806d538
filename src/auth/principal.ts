/**
 * Who a request acts for, however it authenticated. Routes see only this.
 */
import type { Role } from '../db/schema.js';

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  via: 'session' | 'app-password' | 'primary-password';
  sessionId?: string;
  appPasswordId?: string;
}
