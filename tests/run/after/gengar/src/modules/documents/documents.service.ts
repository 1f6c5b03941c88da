import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import OpenAI from 'openai';
import { toSql } from 'pgvector';
import { IsNull, Repository } from 'typeorm';
import { S3Service } from '../storage/s3.service';
import { DocumentEntity } from './document.entity';

@Injectable()
export class DocumentsService {
  private readonly openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });

  constructor(
    @InjectRepository(DocumentEntity) private readonly repo: Repository<DocumentEntity>,
    private readonly s3: S3Service,
  ) {}

  private async embed(text: string): Promise<number[]> {
    const res = await this.openai.embeddings.create({ model: 'text-embedding-3-small', input: text, dimensions: 384 });
    return res.data[0].embedding;
  }

  async search(q: string) {
    const vector = toSql(await this.embed(q));
    return this.repo.query(
      'SELECT id, title, metadata, embedding <=> $1 AS distance FROM documents ORDER BY embedding <=> $1 LIMIT 10',
      [vector],
    );
  }

  async findOne(id: string) {
    const rows = await this.repo.query('SELECT id, title, metadata, created_at FROM documents WHERE id = $1', [id]);
    return rows[0];
  }

  async create(ownerId: number, title: string, content: string) {
    const key = `documents/${ownerId}/${Date.now()}.txt`;
    await this.s3.put(key, content);
    return this.repo.save({ ownerId, title, s3Key: key, embedding: toSql(await this.embed(content)) });
  }

  async embedMissing() {
    for (const doc of await this.repo.find({ where: { embedding: IsNull() } })) {
      const text = await this.s3.get(doc.s3Key);
      await this.repo.update(doc.id, { embedding: toSql(await this.embed(text)) });
    }
  }

  async generateMetadata() {
    for (const doc of await this.repo.find({ where: { metadata: IsNull() } })) {
      const text = await this.s3.get(doc.s3Key);
      const res = await this.openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `Summarise as JSON {summary, topics}: ${text.slice(0, 4000)}` }],
      });
      await this.repo.update(doc.id, { metadata: JSON.parse(res.choices[0].message.content ?? '{}') });
    }
  }
}
