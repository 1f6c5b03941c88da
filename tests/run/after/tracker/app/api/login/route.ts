import bcrypt from 'bcryptjs';
import { NextResponse } from 'next/server';
import { get } from '@/lib/db';
import { startSession } from '@/lib/session';

export async function POST(req: Request) {
  const { password } = await req.json();
  const user = await get<{ id: number; passwordHash: string }>(
    'SELECT id, "passwordHash" FROM users ORDER BY id LIMIT 1'
  );
  if (!user || !bcrypt.compareSync(password ?? '', user.passwordHash)) {
    return NextResponse.json({ error: 'Wrong password' }, { status: 401 });
  }
  startSession(user.id);
  return NextResponse.json({ ok: true });
}
