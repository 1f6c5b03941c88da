import { NextResponse } from 'next/server';
import { get } from '@/lib/db';
import { currentUserId } from '@/lib/session';

export async function POST(req: Request) {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const { title, period, targetCount, scheduledDate } = await req.json();
  const task = await get<{ id: number }>(
    'INSERT INTO tasks (title, period, "targetCount", "scheduledDate", "sortOrder") VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX("sortOrder"), 0) + 1 FROM tasks)) RETURNING id',
    [title, period, targetCount ?? 1, scheduledDate ?? null]
  );
  return NextResponse.json({ id: task?.id }, { status: 201 });
}

export async function PATCH(req: Request) {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const { id, date } = await req.json();
  const task = await get<{ title: string }>('SELECT title FROM tasks WHERE id = $1', [id]);
  if (!task) return NextResponse.json({ error: 'Not found' }, { status: 404 });
  await get(
    'INSERT INTO completions ("taskId", "titleSnapshot", date, "createdAt") VALUES ($1, $2, $3, extract(epoch from now())::bigint)',
    [id, task.title, date]
  );
  return NextResponse.json({ ok: true });
}
