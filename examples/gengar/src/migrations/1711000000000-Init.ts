import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1711000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS vector');
    await q.query(`CREATE TABLE users (
      id SERIAL PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      github_login TEXT,
      plan TEXT NOT NULL DEFAULT 'free',
      monthly_queries INTEGER NOT NULL DEFAULT 0,
      usage_reset_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE documents (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      owner_id INTEGER NOT NULL REFERENCES users(id),
      title TEXT NOT NULL,
      s3_key TEXT NOT NULL,
      metadata JSONB,
      embedding vector(384),
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await q.query('CREATE INDEX documents_embedding_hnsw ON documents USING hnsw (embedding vector_cosine_ops)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE documents');
    await q.query('DROP TABLE users');
  }
}
