// Runs s3rver (an S3 server on Node.js that keeps objects on disk) for the tests, accepting the
// tests' dummy key id (AKIDVDPARKTEST, test.sh) besides s3rver's own S3RVER. s3rver 3.7.1 checks
// that a SigV4 request is well formed and that its key id is known, but does not recompute the
// signature ("unimplemented" in its lib/middleware/authentication.js): the signatures themselves
// are checked by AWS's test vectors (src/store/dynamodb/sigv4_test.cc), not by this server.
//
// Run with `node --openssl-legacy-provider`: s3rver encrypts ListObjectsV2 continuation tokens
// with DES, which Node 17+ (OpenSSL 3) has only in the legacy provider.
//
//   node scripts/s3rver-server.mjs PORT DATA_DIR
// Prints "s3rver listening on 127.0.0.1:PORT" once it accepts requests.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, '.deps', 'node_modules', 'noop.js'));
const S3rver = require('s3rver');
const account = require('s3rver/lib/models/account');

const [port, directory] = process.argv.slice(2);
if (!port || !directory) {
  console.error('usage: node scripts/s3rver-server.mjs PORT DATA_DIR');
  process.exit(2);
}
account.DUMMY_ACCOUNT.createKeyPair('AKIDVDPARKTEST', 'vdpark-test-secret');

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: false,
  vhostBuckets: false,  // path-style addressing only, as vdpark sends for an endpoint URL
});
const { address, port: bound } = await server.run();
console.log(`s3rver listening on ${address}:${bound}`);
