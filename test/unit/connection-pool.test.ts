import t from 'tap';
import { ConnectionPool } from '../../harness/guest/connection-pool.ts';
import type { GuestConnection } from '../../harness/guest/ssh.ts';

// Stands in for an SSH connection: the pool only asks whether it is open and ends it.
class FakeConnection {
  isOpen = true;
  ended: 'closed' | 'destroyed' | undefined;
  constructor(readonly id: number) {}
  close(): void {
    this.ended = 'closed';
    this.isOpen = false;
  }
  destroy(): void {
    this.ended = 'destroyed';
    this.isOpen = false;
  }
}

function poolOf(): { pool: ConnectionPool; made: FakeConnection[] } {
  const made = [new FakeConnection(0)];
  const pool = new ConnectionPool(made[0] as unknown as GuestConnection, () => {
    const next = new FakeConnection(made.length);
    made.push(next);
    return Promise.resolve(next as unknown as GuestConnection);
  });
  return { pool, made };
}

const idOf = (connection: GuestConnection) => (connection as unknown as FakeConnection).id;

t.test('commands one after another share the first connection', async (t) => {
  const { pool, made } = poolOf();
  const used = [];
  for (let i = 0; i < 3; i++) used.push(await pool.use((connection) => Promise.resolve(idOf(connection))));
  t.same(used, [0, 0, 0]);
  t.equal(made.length, 1, 'no second login');
});

t.test('commands side by side each get a connection of their own, kept for later', async (t) => {
  const { pool } = poolOf();
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = pool.use(async (connection) => {
    await held;
    return idOf(connection);
  });
  const second = await pool.use((connection) => Promise.resolve(idOf(connection)));
  release();
  t.same([await first, second], [0, 1], 'the second command did not share the busy connection');
  t.equal(pool.size, 2);
  const both = await Promise.all([pool.use((c) => Promise.resolve(idOf(c))), pool.use((c) => Promise.resolve(idOf(c)))]);
  t.same(both.sort(), [0, 1], 'both kept connections reused, none opened');
  t.equal(pool.size, 2);
});

t.test('a connection that broke during a command is not handed out again', async (t) => {
  const { pool, made } = poolOf();
  await t.rejects(
    pool.use((connection) => {
      (connection as unknown as FakeConnection).isOpen = false;
      return Promise.reject(new Error('No response from server'));
    }),
  );
  t.equal(await pool.use((connection) => Promise.resolve(idOf(connection))), 1, 'a fresh login');
  t.equal(made.length, 2);
});

t.test('destroy ends every connection, busy or idle', async (t) => {
  const { pool, made } = poolOf();
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const busy = pool.use(() => held);
  await pool.use(() => Promise.resolve());
  pool.destroy();
  release();
  await busy;
  t.same(made.map((connection) => connection.ended), ['destroyed', 'destroyed']);
  t.equal(pool.size, 0);
});
