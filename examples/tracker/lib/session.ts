import { createHmac, timingSafeEqual } from 'crypto';
import { cookies } from 'next/headers';

const SECRET = process.env.SESSION_SECRET ?? '';
const COOKIE = 'tracker_session';

function sign(value: string): string {
  return `${value}.${createHmac('sha256', SECRET).update(value).digest('base64url')}`;
}

export function startSession(userId: number) {
  cookies().set(COOKIE, sign(String(userId)), {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: 60 * 60 * 24 * 30,
  });
}

export function currentUserId(): number | null {
  const raw = cookies().get(COOKIE)?.value;
  if (!raw) return null;
  const value = raw.slice(0, raw.lastIndexOf('.'));
  const expected = Buffer.from(sign(value));
  const given = Buffer.from(raw);
  return expected.length === given.length && timingSafeEqual(expected, given) ? Number(value) : null;
}
