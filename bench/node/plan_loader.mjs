// The migration plan's DynamoDB loader (MIGRATION_PLAN §5.3) as the plan writes it, on the official
// AWS SDK v3, so that bench/dynamodb_load_bench.sh can put vdpark's loader beside it in one run.
//
// What is the plan's: events.csv streamed row by row, each row mapped by §5.2's transformEvent,
// `marshall`ed, and sent as BatchWriteItem requests of 25 put requests with `client.send`;
// UnprocessedItems in the answers are ignored (counted here as `unprocessed_dropped`: what the
// plan's loader would lose). What is not the plan's: the item gets vdpark's shape (SPEC §3: ISO-8601
// UTC timestamps with microseconds in the keys, zoneId/bayNumber/sensorId attributes, ttl from the
// event's own time), so that both loaders write the same bytes.
//
// Modes:
//   plan        sequential batches with `await sleep(100)` after each, as in the plan (~250 items/s
//               at best: run it on a prefix with --limit)
//   nopause     sequential batches, no pause
//   parallel16  16 batches in flight (the endpoint's ceiling for a loader written this way)
//
// Usage: node plan_loader.mjs --mode plan|nopause|parallel16 --endpoint URL --table NAME --dir DIR
//                             [--limit N] [--region me-central-1]
// Prints one JSON line: {"mode","items","seconds","items_per_s","unprocessed_dropped"}.
// Credentials come from the SDK's usual chain (the bench exports dummy ones for dynalite).
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { DynamoDBClient, BatchWriteItemCommand } from '@aws-sdk/client-dynamodb'
import { marshall } from '@aws-sdk/util-dynamodb'

const BATCH = 25 // BatchWriteItem's limit, as in the plan
const RETENTION_DAYS = 90 // vdpark's default
const IN_FLIGHT = { plan: 1, nopause: 1, parallel16: 16 }

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'plan' },
    endpoint: { type: 'string' },
    table: { type: 'string', default: 'VisionDrive-Parking' },
    dir: { type: 'string' },
    limit: { type: 'string' },
    region: { type: 'string', default: 'me-central-1' },
  },
})
if (!(args.mode in IN_FLIGHT) || !args.dir) {
  console.error('usage: plan_loader.mjs --mode plan|nopause|parallel16 --dir DIR ' +
                '[--endpoint URL] [--table NAME] [--limit N]')
  process.exit(2)
}
const limit = args.limit ? Number(args.limit) : Infinity

// psql's "2026-01-12 23:59:43.123456+04" (or ISO with Z) as vdpark keys it:
// "2026-01-12T19:59:43.123456Z". Date alone would lose the microseconds.
const TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/
function normalizeTimestamp (text, where) {
  const m = TS.exec(text)
  if (!m) throw new Error(`${where}: bad timestamp '${text}'`)
  let offsetMinutes = 0
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1
    const digits = m[8].slice(1).replace(':', '')
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0))
  }
  const seconds = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000 - offsetMinutes * 60
  const micros = (m[7] || '').padEnd(6, '0').slice(0, 6)
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19) + '.' + micros + 'Z'
  return { iso, seconds }
}

// §5.2's transformEvent, with SPEC §3's keys and attributes (the item vdpark writes).
function transformEvent (row, where) {
  const { iso, seconds } = normalizeTimestamp(row.timestamp, where)
  return {
    PK: `ZONE#${row.zone_id}#BAY#${row.bay_number}`,
    SK: `EVENT#${iso}`,
    GSI1PK: `ZONE#${row.zone_id}`,
    GSI1SK: `EVENT#${iso}`,
    zoneId: row.zone_id,
    bayNumber: row.bay_number,
    sensorId: row.sensor_id || null, // events.csv (§5.1) has no sensor_id: NULL, as vdpark writes
    eventType: row.event_type,
    timestamp: iso,
    duration: row.duration_minutes ? parseInt(row.duration_minutes) : null,
    revenue: row.revenue ? parseFloat(row.revenue) : null,
    detectionMode: row.detection_mode || null,
    ttl: seconds + RETENTION_DAYS * 24 * 60 * 60,
  }
}

// One CSV line as psql writes it: fields quoted only when they hold a comma or a quote.
function splitCsvLine (line) {
  if (!line.includes('"')) return line.split(',')
  const fields = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { fields.push(field); field = '' } else field += c
  }
  fields.push(field)
  return fields
}

// Batches of 25 items, streamed from events.csv (the plan's streamLoadEvents).
async function * eventBatches (file) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let header = null
  let lineNo = 0
  let count = 0
  let batch = []
  for await (const line of lines) {
    lineNo++
    if (line === '') continue
    const fields = splitCsvLine(line)
    if (!header) { header = fields; continue }
    if (count >= limit) break
    const row = Object.fromEntries(header.map((name, i) => [name, fields[i]]))
    batch.push(transformEvent(row, `events.csv:${lineNo}`))
    count++
    if (batch.length === BATCH) { yield batch; batch = [] }
  }
  if (batch.length > 0) yield batch
}

const client = new DynamoDBClient({
  region: args.region,
  ...(args.endpoint ? { endpoint: args.endpoint } : {}),
})
const TABLE_NAME = args.table
let items = 0
let unprocessedDropped = 0

async function batchWrite (batch) {
  const command = new BatchWriteItemCommand({
    RequestItems: {
      [TABLE_NAME]: batch.map(item => ({
        PutRequest: {
          Item: marshall(item),
        },
      })),
    },
  })
  const result = await client.send(command)
  // The plan never looks at UnprocessedItems: these items would be lost.
  for (const entries of Object.values(result.UnprocessedItems || {})) {
    unprocessedDropped += entries.length
  }
  items += batch.length
}

const batches = eventBatches(join(args.dir, 'events.csv'))
async function worker () {
  // Concurrent next() calls on one async generator are queued: each batch goes to one worker.
  for (;;) {
    const { value: batch, done } = await batches.next()
    if (done) return
    await batchWrite(batch)
    // Rate limiting - avoid throttling (the plan's pause)
    if (args.mode === 'plan') await sleep(100)
  }
}

const started = process.hrtime.bigint()
await Promise.all(Array.from({ length: IN_FLIGHT[args.mode] }, worker))
const seconds = Number(process.hrtime.bigint() - started) / 1e9
client.destroy()
console.log(JSON.stringify({
  mode: args.mode,
  items,
  seconds: Number(seconds.toFixed(3)),
  items_per_s: Number((items / seconds).toFixed(1)),
  unprocessed_dropped: unprocessedDropped,
}))
