import { Pool } from 'pg';

// PostgreSQL (RDS): DATABASE_URL carries the host, the credentials and sslmode.
// One pool per server process.
export const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 5 });

export async function all<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(text, params)).rows as T[];
}

export async function get<T>(text: string, params: unknown[] = []): Promise<T | undefined> {
  return (await all<T>(text, params))[0];
}
