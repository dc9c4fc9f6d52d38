// A small Redis client (RESP2 over TCP) that implements BullMQ's IRedisClient
// interface, so BullMQ runs without the optional ioredis / redis packages.
// It covers what BullMQ uses: Lua scripts (EVALSHA with an EVAL fallback),
// MULTI/EXEC and pipelines, blocking BZPOPMIN on its own connection, streams,
// SCAN; commands issued while (re)connecting wait in an offline queue.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Readable } from 'node:stream';

export interface RespOptions { host: string; port: number; username?: string; password?: string; db?: number; tls?: boolean; connectionName?: string; [k: string]: unknown }

type Arg = string | number | Buffer;
type Reply = string | number | null | Error | Reply[];

/** redis://[user:pass@]host[:port][/db] (rediss:// for TLS) -> options. */
export function parseRedisUrl(url: string): RespOptions {
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`not a Redis URL: '${url}' (expected redis://HOST:6379)`); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`not a Redis URL: '${url}' (expected redis://HOST:6379)`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), username: u.username ? decodeURIComponent(u.username) : undefined, password: u.password ? decodeURIComponent(u.password) : undefined, db, tls: u.protocol === 'rediss:' };
}

function encode(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parse one reply at `at`; undefined when the buffer does not hold all of it yet. */
function parse(buf: Buffer, at: number): { v: Reply; next: number } | undefined {
  if (at >= buf.length) return undefined;
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const t = String.fromCharCode(buf[at]), line = buf.toString('utf8', at + 1, eol);
  switch (t) {
    case '+': return { v: line, next: eol + 2 };
    case '-': return { v: new Error(line), next: eol + 2 };
    case ':': return { v: Number(line), next: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { v: null, next: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { v: buf.toString('utf8', eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { v: null, next: eol + 2 };
      const out: Reply[] = [];
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return undefined;
        out.push(r.v); p = r.next;
      }
      return { v: out, next: p };
    }
  }
  throw new Error(`Redis protocol error: unexpected byte '${t}'`);
}

const CLOSED = 'Connection is closed.';
interface Script { sha: string; lua: string; keys: number }

function scriptArgs(s: Script, raw: unknown[]): { keys: string[]; argv: Arg[] } {
  const a = raw.length === 1 && Array.isArray(raw[0]) ? raw[0] as unknown[] : raw;
  return {
    keys: a.slice(0, s.keys).map(String),
    argv: a.slice(s.keys).map((x) => (Buffer.isBuffer(x) ? x : x === undefined || x === null ? '' : String(x))),
  };
}

const toObject = (r: Reply): Record<string, string> => {
  const o: Record<string, string> = {};
  const a = (r ?? []) as string[];
  for (let i = 0; i + 1 < a.length; i += 2) o[a[i]] = a[i + 1];
  return o;
};

export class RespClient extends EventEmitter {
  status = 'connecting';
  readonly isCluster = false;
  readonly __resp = true;
  options: RespOptions;
  private sock: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private offline: { data: Buffer; n: number; resolve: (r: Reply[]) => void; reject: (e: Error) => void }[] = [];
  private scripts = new Map<string, Script>();
  private ended = false;
  private retries = 0;
  private connecting: Promise<void> | null = null;

  constructor(opts: RespOptions) {
    super();
    this.options = { ...opts, maxRetriesPerRequest: null };
    this.connect().catch(() => {});
  }

  connect(): Promise<void> {
    if (this.status === 'ready') return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.ended = false;
    this.status = 'connecting';
    const o = this.options;
    this.connecting = new Promise<void>((resolve, reject) => {
      const sock = o.tls ? tlsConnect({ host: o.host, port: o.port, servername: o.host }) : netConnect({ host: o.host, port: o.port });
      this.sock = sock;
      sock.setNoDelay(true);
      this.buf = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => this.onData(d));
      sock.once(o.tls ? 'secureConnect' : 'connect', () => {
        this.status = 'connect';
        this.retries = 0;
        const hello: Arg[][] = [];
        if (o.password) hello.push(o.username ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
        if (o.db) hello.push(['SELECT', o.db]);
        if (o.connectionName) hello.push(['CLIENT', 'SETNAME', o.connectionName]);
        Promise.all(hello.map((c) => this.raw(c))).then(() => {
          this.status = 'ready';
          this.connecting = null;
          for (const q of this.offline.splice(0)) this.write(q.data, q.n).then(q.resolve, q.reject);
          this.emit('connect');
          this.emit('ready');
          resolve();
        }, (e: Error) => { this.connecting = null; this.emit('error', e); reject(e); sock.destroy(); });
      });
      sock.on('error', (e) => { this.emit('error', e); if (this.status !== 'ready') reject(e); });
      sock.on('close', () => {
        if (this.sock !== sock) return;
        this.sock = null;
        this.connecting = null;
        for (const p of this.pending.splice(0)) p.reject(new Error(CLOSED));
        this.emit('close');
        if (this.ended) {
          this.status = 'end';
          for (const q of this.offline.splice(0)) q.reject(new Error(CLOSED));
          this.emit('end');
          return;
        }
        this.status = 'reconnecting';
        this.emit('reconnecting');
        const delay = Math.min(1000 * 2 ** this.retries++, 20000);
        setTimeout(() => { if (!this.ended) this.connect().catch(() => {}); }, delay).unref?.();
      });
    });
    return this.connecting;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let at = 0;
    for (;;) {
      const r = parse(this.buf, at);
      if (!r) break;
      at = r.next;
      this.pending.shift()?.resolve(r.v);
    }
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
  }

  /** Write encoded commands (n replies expected) on the live socket. */
  private write(data: Buffer, n: number): Promise<Reply[]> {
    return new Promise<Reply[]>((resolve, reject) => {
      if (!this.sock) return reject(new Error(CLOSED));
      const out: Reply[] = [];
      for (let i = 0; i < n; i++) this.pending.push({ resolve: (r) => { out.push(r); if (out.length === n) resolve(out); }, reject });
      this.sock.write(data);
    });
  }

  /** Send commands; replies in order (Error values for error replies). Queued while reconnecting. */
  batch(cmds: Arg[][]): Promise<Reply[]> {
    const data = Buffer.concat(cmds.map(encode));
    if (this.status === 'ready') return this.write(data, cmds.length);
    if (this.status === 'end') return Promise.reject(new Error(CLOSED));
    return new Promise((resolve, reject) => this.offline.push({ data, n: cmds.length, resolve, reject }));
  }
  private async raw(cmd: Arg[]): Promise<Reply> {
    const [r] = await this.write(encode(cmd), 1);
    if (r instanceof Error) throw r;
    return r;
  }
  /** One command; an error reply rejects. */
  async call(...cmd: Arg[]): Promise<any> {
    const [r] = await this.batch([cmd]);
    if (r instanceof Error) throw r;
    return r;
  }

  disconnect(reconnect = false): void {
    this.ended = !reconnect;
    if (this.sock) this.sock.destroy();
    else if (!reconnect) { this.status = 'end'; for (const q of this.offline.splice(0)) q.reject(new Error(CLOSED)); setImmediate(() => { this.emit('close'); this.emit('end'); }); }
  }
  async quit(): Promise<string> {
    if (this.status === 'ready') { try { await this.call('QUIT'); } catch { /* closing anyway */ } }
    this.disconnect();
    return 'OK';
  }
  duplicate(over: Partial<RespOptions> = {}): RespClient {
    const d = new RespClient({ ...this.options, ...over });
    for (const [name, s] of this.scripts) d.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
    return d;
  }

  defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void {
    this.scripts.set(name, { sha: createHash('sha1').update(def.lua).digest('hex'), lua: def.lua, keys: def.numberOfKeys });
    (this as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => this.runCommand(name, a);
  }
  private script(name: string): Script {
    const s = this.scripts.get(name);
    if (!s) throw new Error(`unknown script command '${name}'`);
    return s;
  }
  async runCommand(name: string, args: unknown[]): Promise<any> {
    const s = this.script(name), { keys, argv } = scriptArgs(s, args);
    try {
      return await this.call('EVALSHA', s.sha, keys.length, ...keys, ...argv);
    } catch (e) {
      if (!(e as Error).message.startsWith('NOSCRIPT')) throw e;
      return this.call('EVAL', s.lua, keys.length, ...keys, ...argv);
    }
  }

  multi(): RespBatch { return new RespBatch(this, true); }
  pipeline(): RespBatch { return new RespBatch(this, false); }
  /** Lua source of a registered script (transactions send EVAL: a NOSCRIPT inside MULTI cannot be retried). */
  scriptCall(name: string, args: unknown[]): Arg[] {
    const s = this.script(name), { keys, argv } = scriptArgs(s, args);
    return ['EVAL', s.lua, keys.length, ...keys, ...argv];
  }

  async hgetall(key: string) { return toObject(await this.call('HGETALL', key)); }
  hget(key: string, f: string) { return this.call('HGET', key, f); }
  hmget(key: string, ...f: string[]) { return this.call('HMGET', key, ...f); }
  hset(key: string, data: Record<string, string | number> | string, ...rest: Arg[]) {
    const kv = typeof data === 'object' ? Object.entries(data).flat() as Arg[] : [data, ...rest];
    return this.call('HSET', key, ...kv);
  }
  hdel(key: string, ...f: string[]) { return this.call('HDEL', key, ...f); }
  hexists(key: string, f: string) { return this.call('HEXISTS', key, f); }
  get(key: string) { return this.call('GET', key); }
  set(key: string, v: string | number, o?: { PX?: number; EX?: number }) {
    return this.call('SET', key, v, ...(o?.PX != null ? ['PX', o.PX] : o?.EX != null ? ['EX', o.EX] : []));
  }
  del(...keys: string[]) { return keys.length ? this.call('DEL', ...keys) : Promise.resolve(0); }
  exists(...keys: string[]) { return this.call('EXISTS', ...keys); }
  keys(pattern: string) { return this.call('KEYS', pattern); }
  zrange(key: string, s: number, e: number, o?: { WITHSCORES?: boolean }) { return this.call('ZRANGE', key, s, e, ...(o?.WITHSCORES ? ['WITHSCORES'] : [])); }
  zrevrange(key: string, s: number, e: number, o?: { WITHSCORES?: boolean }) { return this.call('ZREVRANGE', key, s, e, ...(o?.WITHSCORES ? ['WITHSCORES'] : [])); }
  zcard(key: string) { return this.call('ZCARD', key); }
  zscore(key: string, m: string) { return this.call('ZSCORE', key, m); }
  lrange(key: string, s: number, e: number) { return this.call('LRANGE', key, s, e); }
  llen(key: string) { return this.call('LLEN', key); }
  ltrim(key: string, s: number, e: number) { return this.call('LTRIM', key, s, e); }
  lpos(key: string, v: string) { return this.call('LPOS', key, v); }
  smembers(key: string) { return this.call('SMEMBERS', key); }
  xadd(key: string, id: string, fields: Record<string, string | number>, o?: { MAXLEN?: number; approximate?: boolean }) {
    return this.call('XADD', key, ...(o?.MAXLEN != null ? ['MAXLEN', o.approximate === false ? '=' : '~', o.MAXLEN] : []), id, ...Object.entries(fields).flat() as Arg[]);
  }
  xread(streams: { key: string; id: string }[], o?: { BLOCK?: number; COUNT?: number }) {
    return this.call('XREAD', ...(o?.COUNT != null ? ['COUNT', o.COUNT] : []), ...(o?.BLOCK != null ? ['BLOCK', o.BLOCK] : []), 'STREAMS', ...streams.map((s) => s.key), ...streams.map((s) => s.id));
  }
  xtrim(key: string, strategy: 'MAXLEN', n: number, o?: { approximate?: boolean }) { return this.call('XTRIM', key, strategy, o?.approximate === false ? '=' : '~', n); }
  async bzpopmin(key: string, timeout: number) {
    const r = await this.call('BZPOPMIN', key, timeout);
    return r ? [r[0], r[1], String(r[2])] as [string, string, string] : null;
  }
  info() { return this.call('INFO'); }
  clientSetName(name: string) { return this.call('CLIENT', 'SETNAME', name); }
  clientList() { return this.call('CLIENT', 'LIST'); }
  clientInfo() { return this.call('CLIENT', 'INFO'); }
  async scan(cursor: string | number, o: { MATCH?: string; COUNT?: number }): Promise<[string, string[]]> {
    const r = await this.call('SCAN', cursor, ...(o.MATCH ? ['MATCH', o.MATCH] : []), ...(o.COUNT ? ['COUNT', o.COUNT] : []));
    return [String(r[0]), r[1]];
  }
  scanStream(o: { match: string; count?: number }): Readable {
    let cursor = '0', started = false;
    const self = this;
    return new Readable({
      objectMode: true,
      async read() {
        try {
          if (started && cursor === '0') { this.push(null); return; }
          started = true;
          const [next, keys] = await self.scan(cursor, { MATCH: o.match, COUNT: o.count });
          cursor = next;
          this.push(keys);
        } catch (e) { this.destroy(e as Error); }
      },
    });
  }
}

/** MULTI/EXEC transaction or plain pipeline; exec() gives [error, value] per command, like ioredis. */
export class RespBatch {
  private cmds: Arg[][] = [];
  private post: ((r: Reply) => unknown)[] = [];
  constructor(private c: RespClient, private tx: boolean) {}
  private add(cmd: Arg[], post: (r: Reply) => unknown = (r) => r): this { this.cmds.push(cmd); this.post.push(post); return this; }
  hgetall(key: string) { return this.add(['HGETALL', key], toObject); }
  hset(key: string, data: Record<string, string | number>) { return this.add(['HSET', key, ...Object.entries(data).flat() as Arg[]]); }
  hscan(key: string, cursor: string | number, o?: { COUNT?: number }) { return this.add(['HSCAN', key, cursor, ...(o?.COUNT != null ? ['COUNT', o.COUNT] : [])]); }
  smembers(key: string) { return this.add(['SMEMBERS', key]); }
  sscan(key: string, cursor: string | number, o?: { COUNT?: number }) { return this.add(['SSCAN', key, cursor, ...(o?.COUNT != null ? ['COUNT', o.COUNT] : [])]); }
  zrange(key: string, s: number, e: number) { return this.add(['ZRANGE', key, s, e]); }
  lrange(key: string, s: number, e: number) { return this.add(['LRANGE', key, s, e]); }
  llen(key: string) { return this.add(['LLEN', key]); }
  del(...keys: string[]) { return keys.length ? this.add(['DEL', ...keys]) : this; }
  runCommand(name: string, args: unknown[]) { return this.add(this.c.scriptCall(name, args)); }
  async exec(): Promise<[Error | null, any][] | null> {
    if (!this.cmds.length) return [];
    const wrap = (r: Reply, i: number): [Error | null, any] => (r instanceof Error ? [r, null] : [null, this.post[i](r)]);
    if (!this.tx) return (await this.c.batch(this.cmds)).map(wrap);
    const replies = await this.c.batch([['MULTI'], ...this.cmds, ['EXEC']]);
    const exec = replies[replies.length - 1];
    if (exec instanceof Error) throw exec;
    if (exec === null) return null;
    return (exec as Reply[]).map(wrap);
  }
}
