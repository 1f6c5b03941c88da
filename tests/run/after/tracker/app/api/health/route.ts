import { NextResponse } from 'next/server';
import { get } from '@/lib/db';

export const dynamic = 'force-dynamic';

export async function GET() {
  try {
    await get('SELECT 1 AS ok');
    return NextResponse.json({ status: 'ok' });
  } catch {
    return NextResponse.json({ status: 'degraded' }, { status: 503 });
  }
}
