import { redirect } from 'next/navigation';
import { all } from '@/lib/db';
import { currentUserId } from '@/lib/session';

export const dynamic = 'force-dynamic';

export default async function Home() {
  if (!currentUserId()) redirect('/login');
  const today = new Date().toISOString().slice(0, 10);
  const tasks = await all<{ id: number; title: string; targetCount: number; done: number }>(
    `SELECT t.id, t.title, t."targetCount", COUNT(c.id) AS done
     FROM tasks t LEFT JOIN completions c ON c."taskId" = t.id AND c.date::text = $1
     WHERE t.active = 1 AND (t."scheduledDate" IS NULL OR t."scheduledDate"::text = $1)
     GROUP BY t.id ORDER BY t."sortOrder"`,
    [today]
  );
  return (
    <main>
      <h1>Today</h1>
      <ul>
        {tasks.map((t) => (
          <li key={t.id}>
            {t.title} — {t.done}/{t.targetCount}
          </li>
        ))}
      </ul>
    </main>
  );
}
