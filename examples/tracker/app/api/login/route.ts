import bcrypt from 'bcryptjs';
import { NextResponse } from 'next/server';
import { db } from '@/lib/db';
import { startSession } from '@/lib/session';

export async function POST(req: Request) {
  const { password } = await req.json();
  const user = db.prepare('SELECT id, passwordHash FROM users ORDER BY id LIMIT 1').get() as
    | { id: number; passwordHash: string }
    | undefined;
  if (!user || !bcrypt.compareSync(password ?? '', user.passwordHash)) {
    return NextResponse.json({ error: 'Wrong password' }, { status: 401 });
  }
  startSession(user.id);
  return NextResponse.json({ ok: true });
}
