/** Small databases the loader and GPU tests read: typed columns, and trajectories of steps. */
import { open, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';

/** A table `items` of `rows` rows with every column type, some NULLs, ordered by id. */
export async function typedDatabase(rows: number): Promise<Database> {
  const db = await open(databasePath());
  await db.execute(
    'CREATE TABLE items (id INT, big BIGINT, score REAL, reward DOUBLE PRECISION, ok BOOLEAN, name TEXT, meta JSONB, v VECTOR(3), at TIMESTAMP, maybe INT)',
  );
  const batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const tuple = '(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)';
    await db.execute(`INSERT INTO items VALUES ${batch.map(() => tuple).join(', ')}`, batch.flat());
    batch.length = 0;
  };
  for (let i = 0; i < rows; i++) {
    batch.push([
      i,
      BigInt(i) * 1_000_000_007n - 5n,
      i / 4,
      i * 0.125 - 3,
      i % 3 === 0,
      i % 5 === 0 ? '' : `name ${i} ${'é'.repeat(i % 4)}`,
      i % 7 === 0 ? null : { i, tags: ['a', 'b'].slice(0, i % 3) },
      new Float32Array([i, -i, i / 2]),
      new Date(Date.UTC(2024, 0, 1) + i * 1000),
      i % 4 === 1 ? null : i * 3,
    ]);
    if (batch.length === 200) await flush();
  }
  await flush();
  return db;
}

export const ROLES = ['user', 'assistant', 'tool'] as const;

/** Trajectories t-000… of 2–9 steps, inserted in a scrambled order; content says where it is from. */
export async function trajectoryDatabase(trajectories: number): Promise<Database> {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE steps (trajectory_id TEXT, step INT, role TEXT, content TEXT)');
  const rows: unknown[][] = [];
  for (let t = 0; t < trajectories; t++) {
    const length = 2 + ((t * 7) % 8);
    for (let s = 0; s < length; s++) {
      const role = s === 0 ? 'user' : ROLES[1 + ((s + 1) % 2)]!;
      rows.push([`t-${String(t).padStart(3, '0')}`, s, role, `${role} ${t}.${s}: ${'words '.repeat((t + s) % 9)}done`]);
    }
  }
  // Scramble the insertion order so that grouping and step order are the loader's doing.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  for (let start = 0; start < rows.length; start += 200) {
    const chunk = rows.slice(start, start + 200);
    await db.execute(`INSERT INTO steps VALUES ${chunk.map(() => '(%s, %s, %s, %s)').join(', ')}`, chunk.flat());
  }
  return db;
}

export const TRAJECTORY_SQL = 'SELECT trajectory_id, step, role, content FROM steps ORDER BY trajectory_id, step';
