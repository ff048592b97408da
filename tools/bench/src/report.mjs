// Turning the measurements into the printed tables and the PASS/FAIL lines of the targets.

import { PEER_KEYS } from './sql-peers-bench.mjs';

const ratio = (a, b) => (a && b ? a / b : NaN);
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const row = (cells) => `| ${cells.join(' | ')} |`;

/**
 * The targets of issue 3, item 7, evaluated on the results. A target whose measurement saw bad responses
 * fails: a figure made of errors says nothing.
 */
export function evaluateTargets(results) {
  const targets = [];
  const { http, stdio, coldStart, sessions, sql, sqlPeers, sqlHttp, checkpoint } = results;
  if (sql?.results.raw && sql.results.stdio) {
    const raw = sql.results.raw;
    const ours = sql.results.stdio;
    const clean = !ours[1]?.errors && !ours[16]?.errors;
    const latency = ratio(ours[1]?.p50Ms, raw[1]?.p50Ms);
    targets.push({
      name: 'sql_query c=1: p50 latency <= 1.3x raw pg',
      value: latency,
      display: `${fmt(latency)}x`,
      pass: clean && latency <= 1.3,
    });
    const throughput = ratio(raw[16]?.callsPerSecond, ours[16]?.callsPerSecond);
    targets.push({
      name: 'sql_query c=16: raw pg calls/s <= 1.3x ours',
      value: throughput,
      display: `${fmt(throughput)}x`,
      pass: clean && throughput <= 1.3,
    });
  }
  if (sqlPeers?.results.ours) {
    const ours = sqlPeers.results.ours;
    for (const c of [1, 16]) {
      const best = PEER_KEYS.map((key) => ({ key, r: sqlPeers.results[key]?.[c] })).reduce((a, b) =>
        (b.r?.callsPerSecond ?? 0) > (a.r?.callsPerSecond ?? 0) ? b : a,
      );
      const r = ratio(ours[c]?.callsPerSecond, best.r?.callsPerSecond);
      const reach = c === 1 ? safetyFloorReach(sqlPeers.results, best.r?.callsPerSecond) : '';
      targets.push({
        name: `sql_query c=${c}: calls/s >= 1.5x the best database MCP peer`,
        value: r,
        display: `${fmt(r)}x (${results.labels.sqlPeers?.[best.key] ?? best.key}: ${best.r?.callsPerSecond} calls/s, ours ${ours[c]?.callsPerSecond})${reach}`,
        pass: !ours[c]?.errors && !best.r?.errors && r >= 1.5,
      });
    }
  }
  if (http?.ours) {
    for (const method of ['ping', 'tools/call']) {
      const ours = http.ours[method]?.[32];
      const raw = http.raw?.[method]?.[32];
      const sdk = http.sdk_stateless?.[method]?.[32];
      const clean = ours && !ours.bad;
      if (raw) {
        const r = ratio(ours?.rps, raw.rps);
        targets.push({
          name: `http ${method} c=32, defaults (request logs on): ours >= 0.5x raw node:http`,
          value: r,
          display: `${fmt(r)}x`,
          pass: clean && !raw.bad && r >= 0.5,
        });
      }
      if (sdk) {
        const r = ratio(ours?.rps, sdk.rps);
        targets.push({
          name: `http ${method} c=32: ours >= 3x SDK stateless`,
          value: r,
          display: `${fmt(r)}x`,
          pass: clean && !sdk.bad && r >= 3,
        });
      }
    }
  }
  if (http?.ours_modern) {
    const ours = http.ours_modern['tools/call']?.[32];
    const raw = http.raw?.['tools/call']?.[32];
    const sdk = http.sdk_v2?.['tools/call']?.[32];
    const clean = ours && !ours.bad;
    if (raw) {
      const r = ratio(ours?.rps, raw.rps);
      targets.push({
        name: 'http tools/call c=32, 2026-07-28 requests, defaults: ours >= 0.5x raw node:http',
        value: r,
        display: `${fmt(r)}x`,
        pass: clean && !raw.bad && r >= 0.5,
      });
    }
    if (sdk) {
      const r = ratio(ours?.rps, sdk.rps);
      targets.push({
        name: "http tools/call c=32, 2026-07-28 requests: ours >= 3x SDK v2's createMcpHandler",
        value: r,
        display: `${fmt(r)}x`,
        pass: clean && !sdk.bad && r >= 3,
      });
    }
  }
  for (const key of ['ours', 'ours_modern']) {
    const s = stdio?.[key];
    if (!s || !stdio.raw) continue;
    const r = ratio(s.concurrent.callsPerSecond, stdio.raw.concurrent.callsPerSecond);
    targets.push({
      name: `stdio ${s.concurrent.inFlight} in flight${key === 'ours_modern' ? ', 2026-07-28 requests' : ''}: ours >= 0.5x raw stdio echo`,
      value: r,
      display: `${fmt(r)}x`,
      pass: !s.concurrent.errors && r >= 0.5,
    });
  }
  for (const key of ['ours', 'ours_modern']) {
    if (!coldStart?.[key]) continue;
    const ms = coldStart[key].medianMs;
    const floor = coldStart.node ? ` (node -e 0 on the same machine: ${fmt(coldStart.node.medianMs, 1)} ms)` : '';
    targets.push({
      name: `stdio cold start to ${key === 'ours_modern' ? 'server/discover + tools/list' : 'tools/list'} < 150 ms`,
      value: ms,
      display: `${fmt(ms, 1)} ms${floor}`,
      pass: ms < 150,
    });
  }
  const embedded = sqlHttp?.sql_embedded?.sql_query?.[1];
  if (embedded) {
    const ms = embedded.rps ? 1000 / embedded.rps : NaN;
    targets.push({
      name: 'sql_query over HTTP c=1, embedded engine: under 0.3 ms per call',
      value: ms,
      display: `${fmt(ms, 3)} ms per call (${embedded.rps} calls/s, p50 ${fmt(embedded.p50Ms, 3)} ms)${floorNote(sqlHttp)}`,
      pass: !embedded.bad && ms < 0.3,
    });
  }
  if (checkpoint?.durable) {
    const ms = checkpoint.durable.recordingP50Ms;
    const budget = checkpoint.turnMs * 0.05;
    targets.push({
      name: `agent run checkpoint (a run_steps row in a DBOS workflow, PostgreSQL): a recorded step costs <= 5 % of a ${checkpoint.turnMs} ms scripted model turn (${fmt(budget)} ms), p50`,
      value: ms,
      display: `${fmt(ms, 3)} ms per step (${fmt((100 * ms) / checkpoint.turnMs, 1)} %; p99 ${fmt(checkpoint.durable.recordingP99Ms)} ms)`,
      pass: ms <= budget,
    });
  }
  if (sessions) {
    const opened = sessions.large.sessionsOpened;
    targets.push({
      name: `RSS after ${opened} sessions <= 1.5x RSS after ${sessions.small.sessionsOpened}`,
      value: sessions.ratio,
      display: `${fmt(sessions.ratio)}x${sessions.reachedTarget ? '' : ` (only ${opened} opened in the time allowed)`}`,
      pass: !sessions.failed && sessions.ratio <= 1.5,
    });
  }
  return targets;
}

/** The report as Markdown tables, like /work/shared/reference/peer-baselines.md. */
export function formatReport(results, targets) {
  const lines = [];
  const { meta, http, stdio, coldStart, sessions, sql, sqlPeers, sqlHttp, checkpoint } = results;
  lines.push(`# npm run bench${meta.quick ? ' -- --quick' : ''} (${meta.date})`);
  lines.push(
    `${meta.cpus} CPUs (${meta.cpuModel}), Node ${meta.node}, load average before ${meta.loadBefore.join(' ')}, after ${meta.loadAfter?.join(' ') ?? '?'}; ` +
      `commit ${meta.commit}. wrk -t1, ${meta.seconds} s per run, median of ${meta.runs}; loopback; each stack its own process.`,
  );
  if (http) {
    lines.push('');
    lines.push('HTTP (Streamable HTTP, JSON responses; CPU = server CPU time per request at c=32)');
    lines.push('');
    lines.push(
      row([
        'stack',
        'method',
        'req/s c=1',
        'p50/p99 ms c=1',
        'req/s c=32',
        'p50/p99 ms c=32',
        'CPU us/req',
        'x raw c=32',
        'ours / this c=32',
      ]),
    );
    lines.push(row(Array(9).fill('---')));
    for (const [key, byMethod] of Object.entries(http)) {
      for (const [method, byC] of Object.entries(byMethod)) {
        const one = byC[1];
        const many = byC[32];
        const raw = http.raw?.[method]?.[32];
        const ours = http.ours?.[method]?.[32];
        const modern = http.ours_modern?.[method]?.[32];
        // `*`: wrk used over 90% of a core, so the figure is at least partly the load generator's limit.
        const flag = (r) => `${r?.clientCpuShare > 0.9 ? '*' : ''}${r?.bad ? ` (${r.bad} bad)` : ''}`;
        lines.push(
          row([
            results.labels.http[key],
            method,
            one ? `${one.rps}${flag(one)}` : '',
            one ? `${fmt(one.p50Ms)} / ${fmt(one.p99Ms)}` : '',
            many ? `${many.rps}${flag(many)}` : '',
            many ? `${fmt(many.p50Ms)} / ${fmt(many.p99Ms)}` : '',
            many ? String(many.cpuUsPerReq) : '',
            fmt(ratio(many?.rps, raw?.rps), 3),
            // SDK v2 serves only 2026-07-28 requests here: compared with ours asked the same way.
            key === 'ours' ? '1.00' : fmt(ratio((key === 'sdk_v2' ? modern : ours)?.rps, many?.rps)),
          ]),
        );
      }
    }
  }
  if (
    http &&
    Object.values(http).some((m) => Object.values(m).some((c) => Object.values(c).some((r) => r.clientCpuShare > 0.9)))
  ) {
    lines.push('');
    lines.push('* wrk used over 90% of a core in that run: the load generator, not the server, may have set the pace.');
  }
  if (stdio || coldStart) {
    lines.push('');
    lines.push('stdio (echo tools/call; CPU = server CPU time per call at 16 in flight)');
    lines.push('');
    lines.push(
      row([
        'stack',
        'calls/s sequential',
        'calls/s 16 in flight',
        'CPU us/call',
        'x raw 16 in flight',
        'cold start median (min-max)',
      ]),
    );
    lines.push(row(Array(6).fill('---')));
    for (const key of new Set([...Object.keys(stdio ?? {}), ...Object.keys(coldStart ?? {})])) {
      const s = stdio?.[key];
      const cold = coldStart?.[key];
      lines.push(
        row([
          results.labels.stdio[key],
          s ? String(s.sequential.callsPerSecond) : '',
          s ? String(s.concurrent.callsPerSecond) : '',
          s ? String(s.concurrent.cpuUsPerCall) : '',
          s ? fmt(ratio(s.concurrent.callsPerSecond, stdio.raw?.concurrent.callsPerSecond)) : '',
          cold
            ? `${fmt(cold.medianMs, 1)} ms (${fmt(cold.minMs, 0)}-${fmt(cold.maxMs, 0)}) to ${{ node: 'exit', raw: 'initialize', ours_modern: 'server/discover + tools/list' }[key] ?? 'tools/list'}${cold.cpuMedianMs === undefined ? '' : `; CPU ${fmt(cold.cpuMedianMs, 0)} ms`}`
            : '',
        ]),
      );
    }
  }
  if (sessions) {
    lines.push('');
    lines.push(
      'Sessions opened and abandoned on ours (initialize only, never DELETE; defaults: MAX_SESSIONS 10000, LRU eviction); after forced GC',
    );
    lines.push('');
    lines.push(row(['sessions opened', 'live sessions', 'RSS MiB', 'heap used MiB']));
    lines.push(row(Array(4).fill('---')));
    lines.push(row(['0', '0', String(sessions.idle.rssMiB), String(sessions.idle.heapUsedMiB)]));
    for (const s of [sessions.small, sessions.large]) {
      lines.push(row([String(s.sessionsOpened), String(s.liveSessions), String(s.rssMiB), String(s.heapUsedMiB)]));
    }
    lines.push(`initialize rate while opening: ${sessions.initializePerSecond}/s (one client process, 32 connections)`);
  }
  if (sql) {
    lines.push('');
    lines.push(
      `sql_query beside raw pg, same PostgreSQL, same query (\`${sql.query}\`); median of the runs by calls/s`,
    );
    lines.push('');
    lines.push(
      row([
        'case',
        'calls/s c=1',
        'p50/p99 ms c=1',
        'calls/s c=16',
        'p50/p99 ms c=16',
        'x raw p50 c=1',
        'raw / this calls/s c=16',
      ]),
    );
    lines.push(row(Array(7).fill('---')));
    for (const [key, byC] of Object.entries(sql.results)) {
      const one = byC[1];
      const many = byC[16];
      const errors = (one?.errors ?? 0) + (many?.errors ?? 0);
      lines.push(
        row([
          `${results.labels.sql?.[key] ?? key}${errors ? ` (${errors} errors)` : ''}`,
          String(one?.callsPerSecond ?? ''),
          one ? `${fmt(one.p50Ms, 3)} / ${fmt(one.p99Ms, 3)}` : '',
          String(many?.callsPerSecond ?? ''),
          many ? `${fmt(many.p50Ms, 3)} / ${fmt(many.p99Ms, 3)}` : '',
          fmt(ratio(one?.p50Ms, sql.results.raw?.[1]?.p50Ms)),
          fmt(ratio(sql.results.raw?.[16]?.callsPerSecond, many?.callsPerSecond)),
        ]),
      );
    }
  }
  if (sqlPeers) lines.push('', ...formatSqlPeers(sqlPeers, results.labels.sqlPeers ?? {}));
  if (sqlHttp) lines.push('', ...formatSqlHttp(sqlHttp, results.labels.sqlHttp ?? {}));
  if (checkpoint) lines.push('', ...formatCheckpoint(checkpoint, results.labels.checkpoint ?? {}));
  lines.push('');
  lines.push('Targets (issues 3, 5, 15, 17 and 18):');
  for (const t of targets) lines.push(`${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.display}`);
  return lines.join('\n');
}

/** The checkpoint rows: the same runs with and without recorded steps, the cost measured around each step. */
function formatCheckpoint(checkpoint, labels) {
  const lines = [
    `Agent run checkpoints (issue 17): agent-core runs of ${checkpoint.turns} turns (${checkpoint.turns - 1} tool calls) against the scripted OpenAI-compatible server answering each turn after ${checkpoint.turnMs} ms, ${checkpoint.runs} runs each way, alternating; recording = a step's time through the journal minus its own work; CPU per step = this process (Node) and the database's backends over the timed runs`,
    '',
    row([
      'runs through',
      'steps',
      'model turn p50 ms',
      'recording p50 / p99 ms per step',
      'recording p50 ms: model / tool step',
      'CPU ms per step: Node + PostgreSQL',
      'run p50 ms',
    ]),
    row(Array(7).fill('---')),
  ];
  for (const key of ['local', 'durable', 'durable_dbos']) {
    const c = checkpoint[key];
    if (!c) continue;
    lines.push(
      row([
        labels[key] ?? key,
        String(c.steps),
        fmt(c.turnP50Ms),
        `${fmt(c.recordingP50Ms, 3)} / ${fmt(c.recordingP99Ms, 3)}`,
        `${fmt(c.modelRecordingP50Ms, 3)} / ${fmt(c.toolRecordingP50Ms, 3)}`,
        `${fmt(c.cpuMsPerStep.bench, 3)} + ${fmt(c.cpuMsPerStep.postgres, 3)}`,
        fmt(c.runWallP50Ms, 1),
      ]),
    );
  }
  return lines;
}

/** sql_query over HTTP on the two engines: per-call time at c=1 is 1 / calls/s. */
function formatSqlHttp(sqlHttp, labels) {
  const lines = [
    'sql_query over Streamable HTTP at c=1 (stateful session, JSON, defaults: request logs on), the sql peers query, wrk with unique ids; median of the runs; CPU = the app process per call',
    '',
    row(['engine', 'calls/s c=1', 'ms per call c=1', 'p50/p99 ms c=1', 'CPU us/call']),
    row(Array(5).fill('---')),
  ];
  for (const [key, byMethod] of Object.entries(sqlHttp)) {
    if (key === 'embeddedFloor') continue;
    const one = byMethod.sql_query?.[1];
    lines.push(
      row([
        `${labels[key] ?? key}${one?.bad ? ` (${one.bad} bad)` : ''}`,
        String(one?.rps ?? ''),
        one?.rps ? fmt(1000 / one.rps, 3) : '',
        one ? `${fmt(one.p50Ms, 3)} / ${fmt(one.p99Ms, 3)}` : '',
        String(one?.cpuUsPerReq ?? ''),
      ]),
    );
  }
  const floor = embeddedFloor(sqlHttp);
  if (floor) {
    lines.push(
      '',
      `Floor of the embedded row at c=1 (PGlite in a worker thread running one call's whole text, p50 ${fmt(floor.workerMs, 3)} ms, + the same app's echo over HTTP, p50 ${fmt(floor.hopMs, 3)} ms): ${fmt(floor.ms, 3)} ms; ours p50 ${fmt(floor.oursMs, 3)} ms.`,
    );
  }
  return lines;
}

/** The embedded row's floor (worker exec + HTTP hop, p50s) beside its p50, when the run measured both. */
function embeddedFloor(sqlHttp) {
  const workerMs = sqlHttp?.embeddedFloor?.workerP50Ms;
  const hopMs = sqlHttp?.sql_embedded?.['tools/call']?.[1]?.p50Ms;
  const oursMs = sqlHttp?.sql_embedded?.sql_query?.[1]?.p50Ms;
  if (workerMs === undefined || hopMs === undefined || oursMs === undefined) return undefined;
  return { workerMs, hopMs, ms: workerMs + hopMs, oursMs };
}

/** The sql peers table, and the floor under any stdio server: raw pg's p50 plus the MCP hop's (echo) at c=1. */
function formatSqlPeers(sqlPeers, labels) {
  const { results } = sqlPeers;
  const lines = [
    `sql_query beside the database MCP servers, each over stdio at its defaults, same PostgreSQL, role and query (\`${sqlPeers.query}\`); rounds interleaved, median of the runs by calls/s; CPU us per call at c=16`,
    '',
    row([
      'stack',
      'calls/s c=1',
      'p50 ms c=1',
      'calls/s c=16',
      'p50 ms c=16',
      'CPU server',
      'CPU PostgreSQL',
      'CPU bench',
      'ours / this c=1',
      'ours / this c=16',
    ]),
    row(Array(10).fill('---')),
  ];
  for (const [key, byC] of Object.entries(results)) {
    const one = byC[1];
    const many = byC[16];
    const errors = (one?.errors ?? 0) + (many?.errors ?? 0);
    const cpu = many?.cpuUsPerCall ?? {};
    lines.push(
      row([
        `${labels[key] ?? key}${errors ? ` (${errors} errors)` : ''}`,
        String(one?.callsPerSecond ?? ''),
        one ? fmt(one.p50Ms, 3) : '',
        String(many?.callsPerSecond ?? ''),
        many ? fmt(many.p50Ms, 3) : '',
        cpu.app === null || cpu.app === undefined ? '' : String(cpu.app),
        String(cpu.postgres ?? ''),
        String(cpu.bench ?? ''),
        fmt(ratio(results.ours?.[1]?.callsPerSecond, one?.callsPerSecond)),
        fmt(ratio(results.ours?.[16]?.callsPerSecond, many?.callsPerSecond)),
      ]),
    );
  }
  const floorMs = (results.raw?.[1]?.p50Ms ?? NaN) + (results.echo?.[1]?.p50Ms ?? NaN);
  const safety = safetyFloorCallsPerSecond(results);
  lines.push(
    '',
    `Floor at c=1 (raw pg p50 + echo p50): ${fmt(floorMs, 3)} ms, about ${fmt(1000 / floorMs, 0)} calls/s; ours p50 ${fmt(results.ours?.[1]?.p50Ms, 3)} ms.`,
    `Floor at c=1 with every safety layer (one call of raw pg sending our engine's text, then one echo call, back to back: the sum of their mean times): about ${fmt(safety, 0)} calls/s; ours ${results.ours?.[1]?.callsPerSecond ?? '-'} calls/s.`,
  );
  return lines;
}

/**
 * The c=1 calls/s of a server that keeps every safety layer and adds nothing of its own: a call costs at least
 * one raw pg call of our engine's text plus one MCP hop (the same app's echo), one after the other.
 */
function safetyFloorCallsPerSecond(results) {
  const db = results.raw_safety?.[1]?.callsPerSecond;
  const hop = results.echo?.[1]?.callsPerSecond;
  return db && hop ? 1 / (1 / db + 1 / hop) : NaN;
}

/** How far that floor itself is from the best peer: below 1.5x, the c=1 target is out of reach in this run. */
function safetyFloorReach(results, bestCallsPerSecond) {
  const floor = safetyFloorCallsPerSecond(results);
  if (!Number.isFinite(floor) || !bestCallsPerSecond) return '';
  const most = floor / bestCallsPerSecond;
  return `; the floor with every safety layer, ${fmt(floor, 0)} calls/s, is ${fmt(most)}x that peer${most < 1.5 ? ': out of reach in this run' : ''}`;
}

/** What the embedded target is to be read against: its floor in the same run (the issue's 0.3 ms is below it). */
function floorNote(sqlHttp) {
  const floor = embeddedFloor(sqlHttp);
  if (!floor) return '';
  return `; its floor in this run, p50 ${fmt(floor.ms, 3)} ms (PGlite worker ${fmt(floor.workerMs, 3)} + HTTP hop ${fmt(floor.hopMs, 3)}): ours ${fmt(floor.oursMs / floor.ms, 2)}x the floor`;
}
