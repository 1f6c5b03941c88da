import { NextResponse } from 'next/server';
import { db } from '@/lib/db';
import { currentUserId } from '@/lib/session';

export async function POST(req: Request) {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const { title, period, targetCount, scheduledDate } = await req.json();
  const info = db
    .prepare('INSERT INTO tasks (title, period, targetCount, scheduledDate, sortOrder) VALUES (?, ?, ?, ?, (SELECT IFNULL(MAX(sortOrder), 0) + 1 FROM tasks))')
    .run(title, period, targetCount ?? 1, scheduledDate ?? null);
  return NextResponse.json({ id: info.lastInsertRowid }, { status: 201 });
}

export async function PATCH(req: Request) {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const { id, date } = await req.json();
  const task = db.prepare('SELECT title FROM tasks WHERE id = ?').get(id) as { title: string } | undefined;
  if (!task) return NextResponse.json({ error: 'Not found' }, { status: 404 });
  db.prepare("INSERT INTO completions (taskId, titleSnapshot, date, createdAt) VALUES (?, ?, ?, strftime('%s', 'now'))").run(id, task.title, date);
  return NextResponse.json({ ok: true });
}
