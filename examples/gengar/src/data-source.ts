import { DataSource } from 'typeorm';

// Used by the TypeORM CLI (`yarn migration:run`, run by Heroku's release phase)
export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  ssl: process.env.NODE_ENV === 'production' ? { rejectUnauthorized: false } : false,
  entities: ['dist/src/**/*.entity.js'],
  migrations: ['dist/src/migrations/*.js'],
});
