import { CommandFactory } from 'nest-commander';
import { Command, CommandRunner } from 'nest-commander';
import { Module } from '@nestjs/common';
import { AppModule } from './app.module';
import { DocumentsService } from './modules/documents/documents.service';

@Command({ name: 'generate-embeddings', description: 'Embed documents that have none yet' })
export class GenerateEmbeddingsCommand extends CommandRunner {
  constructor(private readonly documents: DocumentsService) { super(); }
  async run(): Promise<void> {
    await this.documents.embedMissing();
  }
}

@Command({ name: 'generate-metadata', description: 'Summarise documents with the LLM' })
export class GenerateMetadataCommand extends CommandRunner {
  constructor(private readonly documents: DocumentsService) { super(); }
  async run(): Promise<void> {
    await this.documents.generateMetadata();
  }
}

@Module({ imports: [AppModule], providers: [GenerateEmbeddingsCommand, GenerateMetadataCommand] })
class ConsoleModule {}

CommandFactory.run(ConsoleModule, ['warn', 'error']);
