// Runs s3rver (an S3 server on Node.js that keeps objects on disk) for the tests, accepting the
// tests' dummy key id (AKIDVDPARKTEST, test.sh) besides s3rver's own S3RVER. s3rver 3.7.1 checks
// that a SigV4 request is well formed and that its key id is known, but does not recompute the
// signature ("unimplemented" in its lib/middleware/authentication.js): the signatures themselves
// are checked by AWS's test vectors (src/store/dynamodb/sigv4_test.cc), not by this server.
//
// Two fixes to s3rver 3.7.1's filesystem store (below): it answers a PUT of an object or a part
// when the last byte has passed its hash, before the file is written and closed. A GET right after
// can then read part of the object, and a CompleteMultipartUpload can open a part not yet created:
// the read stream's unhandled ENOENT ended the whole server under CI's load. Here the answer waits
// for the file, and a write that fails is answered as an error instead of ending the process.
//
// Run with `node --openssl-legacy-provider`: s3rver encrypts ListObjectsV2 continuation tokens
// with DES, which Node 17+ (OpenSSL 3) has only in the legacy provider.
//
//   node scripts/s3rver-server.mjs PORT DATA_DIR
// Prints "s3rver listening on 127.0.0.1:PORT" once it accepts requests.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, '.deps', 'node_modules', 'noop.js'));
const S3rver = require('s3rver');
const account = require('s3rver/lib/models/account');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

// Writes `content` (a Buffer or a stream) to `file`; resolves with its size and MD5 once the file
// is closed. As S3 does, a PUT cut short leaves nothing: the body goes to a file beside `file`
// that takes its name only once whole (s3rver wrote `file` itself, and a client killed mid-PUT
// left an empty or partial object that later reads were served).
async function writeFile(content, file) {
  const md5 = crypto.createHash('md5');
  let size = 0;
  const counted = new Transform({
    transform(chunk, encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(content) ? [content] : content;
  const partial = `${file}.${process.pid}.${crypto.randomUUID()}.partial`;
  try {
    await pipeline(source, counted, fs.createWriteStream(partial));
    await fs.promises.rename(partial, file);
  } catch (err) {
    await fs.promises.rm(partial, { force: true });
    throw err;
  }
  return { size, md5: md5.digest('hex') };
}

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const { size, md5 } = await writeFile(object.content, objectPath);
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
};

FilesystemStore.prototype.putPart = async function putPart(bucket, uploadId, partNumber, content) {
  const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId,
                             partNumber.toString());
  await fs.promises.mkdir(path.dirname(partPath), { recursive: true });
  const { size, md5 } = await writeFile(content, partPath);
  await fs.promises.writeFile(`${partPath}.md5`, md5);
  return { size, md5 };
};

// Anything else s3rver leaves unhandled is logged with its stack, and the server keeps serving:
// the tests check every answer, and one request's failure must not take the suite's server down.
process.on('uncaughtException', (err) => console.error('s3rver: uncaught exception:', err));
process.on('unhandledRejection', (err) => console.error('s3rver: unhandled rejection:', err));

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
