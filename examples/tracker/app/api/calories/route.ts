import { NextResponse } from 'next/server';
import { db } from '@/lib/db';
import { currentUserId } from '@/lib/session';

export async function PUT(req: Request) {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const { date, calories, weight } = await req.json();
  db.prepare('INSERT OR REPLACE INTO calorie_entries (date, calories) VALUES (?, ?)').run(date, calories);
  if (weight != null) {
    db.prepare('INSERT OR REPLACE INTO weight_entries (date, weight) VALUES (?, ?)').run(date, weight);
  }
  return NextResponse.json({ ok: true });
}

export async function GET() {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const rows = db
    .prepare("SELECT date, calories FROM calorie_entries WHERE date >= date('now', '-30 days') ORDER BY date")
    .all();
  return NextResponse.json(rows);
}
