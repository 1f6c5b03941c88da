import { Body, Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { DocumentsService } from './documents.service';

@Controller('documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get('search')
  search(@Query('q') q: string) {
    return this.documents.search(q);
  }

  @Get(':id')
  async one(@Param('id') id: string) {
    const doc = await this.documents.findOne(id);
    if (!doc) throw new NotFoundException();
    return doc;
  }

  @Post()
  create(@Body() body: { ownerId: number; title: string; content: string }) {
    return this.documents.create(body.ownerId, body.title, body.content);
  }
}
