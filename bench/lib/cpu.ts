import fs from 'node:fs';
import pg from 'pg';

/** Clock ticks a second of /proc/<pid>/stat's times: 100 on Linux for x86-64 and arm64. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) the process has used so far, in ms; 0 when it is gone or /proc is missing. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU time of the process and of its children that have ended (ffmpeg, for a worker), in ms; 0 when it is gone. */
export function cpuWithChildrenMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) used so far by the backends of the database at `databaseUrl`, by backend pid: the
 * server must run on this machine (its processes readable in /proc). Asked before and after a load,
 * the difference over the pids present both times is the database's share of that load's work.
 */
export async function databaseCpuMs(databaseUrl: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return new Map(rows.map(({ pid }) => [pid, cpuMs(pid)]));
  } finally {
    await client.end();
  }
}

/** What the backends present in both readings used between them, in ms. */
export function databaseCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, ms] of after) used += ms - (before.get(pid) ?? ms);
  return used;
}
