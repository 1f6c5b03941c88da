import { NextResponse } from 'next/server';
import { all, get } from '@/lib/db';
import { currentUserId } from '@/lib/session';

export async function PUT(req: Request) {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const { date, calories, weight } = await req.json();
  await get(
    'INSERT INTO calorie_entries (date, calories) VALUES ($1, $2) ON CONFLICT (date) DO UPDATE SET calories = EXCLUDED.calories',
    [date, calories]
  );
  if (weight != null) {
    await get(
      'INSERT INTO weight_entries (date, weight) VALUES ($1, $2) ON CONFLICT (date) DO UPDATE SET weight = EXCLUDED.weight',
      [date, weight]
    );
  }
  return NextResponse.json({ ok: true });
}

export async function GET() {
  if (!currentUserId()) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  const rows = await all(
    'SELECT date::text AS date, calories FROM calorie_entries WHERE date::date >= current_date - 30 ORDER BY date'
  );
  return NextResponse.json(rows);
}
