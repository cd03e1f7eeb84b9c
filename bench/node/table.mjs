// Creates, deletes or counts the SPEC §3 table with the AWS SDK v3, for bench/dynamodb_load_bench.sh:
// create/delete are its fallback for a build without `vdpark table create|delete`; count checks that
// each loader's table holds what the loader says it wrote.
//
// The table: PK/SK strings, on demand, GSI1 (GSI1PK/GSI1SK, ALL), GSI2 (GSI2PK/GSI2SK, KEYS_ONLY).
// TTL, streams and point-in-time recovery are left out: they do not change what a load costs, and
// dynalite has none of them. create returns once the table is ACTIVE, delete once it is gone; count
// prints the number of items (a Scan with Select COUNT, page by page).
//
// Usage: node table.mjs create|delete|count --table NAME [--endpoint URL] [--region me-central-1]
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  DynamoDBClient, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, ScanCommand,
} from '@aws-sdk/client-dynamodb'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    endpoint: { type: 'string' },
    table: { type: 'string', default: 'VisionDrive-Parking' },
    region: { type: 'string', default: 'me-central-1' },
  },
})
const command = positionals[0]
if (!['create', 'delete', 'count'].includes(command)) {
  console.error('usage: table.mjs create|delete|count --table NAME [--endpoint URL] [--region R]')
  process.exit(2)
}
const client = new DynamoDBClient({
  region: args.region,
  ...(args.endpoint ? { endpoint: args.endpoint } : {}),
})
const TableName = args.table

// The table's description, or null once it is gone.
async function describe () {
  try {
    return (await client.send(new DescribeTableCommand({ TableName }))).Table
  } catch (e) {
    if (e.name === 'ResourceNotFoundException') return null
    throw e
  }
}

async function waitFor (done, what) {
  for (let i = 0; i < 600; i++) {
    if (done(await describe())) return
    await sleep(100)
  }
  throw new Error(`table ${TableName}: not ${what} after 60 s`)
}

if (command === 'create') {
  const S = name => ({ AttributeName: name, AttributeType: 'S' })
  const index = (IndexName, pk, sk, ProjectionType) => ({
    IndexName,
    KeySchema: [{ AttributeName: pk, KeyType: 'HASH' }, { AttributeName: sk, KeyType: 'RANGE' }],
    Projection: { ProjectionType },
  })
  await client.send(new CreateTableCommand({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [S('PK'), S('SK'), S('GSI1PK'), S('GSI1SK'), S('GSI2PK'), S('GSI2SK')],
    KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }, { AttributeName: 'SK', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [
      index('GSI1', 'GSI1PK', 'GSI1SK', 'ALL'),
      index('GSI2', 'GSI2PK', 'GSI2SK', 'KEYS_ONLY'),
    ],
  }))
  await waitFor(t => t && t.TableStatus === 'ACTIVE' &&
    (t.GlobalSecondaryIndexes || []).every(g => g.IndexStatus === 'ACTIVE'), 'ACTIVE')
} else if (command === 'count') {
  let count = 0
  let ExclusiveStartKey
  do {
    const page = await client.send(new ScanCommand({ TableName, Select: 'COUNT', ExclusiveStartKey }))
    count += page.Count
    ExclusiveStartKey = page.LastEvaluatedKey
  } while (ExclusiveStartKey)
  console.log(count)
} else {
  if (await describe()) await client.send(new DeleteTableCommand({ TableName }))
  await waitFor(t => t === null, 'deleted')
}
client.destroy()
