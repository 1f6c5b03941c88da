import { redirect } from 'next/navigation';
import { db } from '@/lib/db';
import { currentUserId } from '@/lib/session';

export const dynamic = 'force-dynamic';

export default function Home() {
  if (!currentUserId()) redirect('/login');
  const today = new Date().toISOString().slice(0, 10);
  const tasks = db
    .prepare(
      `SELECT t.id, t.title, t.targetCount, COUNT(c.id) AS done
       FROM tasks t LEFT JOIN completions c ON c.taskId = t.id AND c.date = ?
       WHERE t.active = 1 AND (t.scheduledDate IS NULL OR t.scheduledDate = ?)
       GROUP BY t.id ORDER BY t.sortOrder`
    )
    .all(today, today) as { id: number; title: string; targetCount: number; done: number }[];
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
