import { NestFactory } from '@nestjs/core';
import Rollbar from 'rollbar';
import { AppModule } from './app.module';

async function bootstrap() {
  const rollbar = new Rollbar({ accessToken: process.env.ROLLBAR_ACCESS_TOKEN, captureUncaught: true });
  const app = await NestFactory.create(AppModule);
  app.enableCors({ origin: process.env.FRONTEND_URL, credentials: true });
  // the load balancer checks /health, outside the API's prefix
  app.setGlobalPrefix('api', { exclude: ['health'] });
  await app.listen(process.env.PORT || 3000);
  rollbar.info('gengar started');
}
bootstrap();
