import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

@Injectable()
export class UsageService {
  private readonly logger = new Logger(UsageService.name);

  constructor(private readonly dataSource: DataSource) {}

  // Runs inside the web process: with two tasks it would run twice
  @Cron('0 0 1 * *', { name: 'reset-monthly-usage', timeZone: 'UTC' })
  async resetMonthlyUsage() {
    const res = await this.dataSource.query('UPDATE users SET monthly_queries = 0, usage_reset_at = now()');
    this.logger.log(`monthly usage reset for ${res[1]} users`);
  }
}
