/**
 * An endless Prometheus answer is not buffered without limit (issue 10: "an endless response
 * body is buffered without limit (2.6 GB)"). A real local HTTP server writes JSON whitespace
 * forever, honouring back-pressure, and counts what the client took. The command must stop
 * reading at MAX_RESPONSE_BYTES: the client takes the cap and at most what the sockets hold
 * beyond it, and the memory it holds (heap and Buffers) grows by less than twice the cap.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../src/cli/main';
import { MAX_RESPONSE_BYTES } from '../../src/recommend/http-transport';
import { capture } from '../support/diff';

const MiB = 1024 * 1024;

test(`verdict stops reading an endless answer at ${MAX_RESPONSE_BYTES / MiB} MiB: exit 4, and the server was drained of little more`, async () => {
  const chunk = Buffer.alloc(MiB, ' ');
  let handed = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"status":"success","data":');
    const more = () => {
      // Write only while the socket takes it: what was handed over is what the client read,
      // plus what the kernel and Node buffer on the way.
      while (!res.destroyed) {
        handed += chunk.length;
        if (!res.write(chunk)) break;
      }
      if (!res.destroyed) res.once('drain', more);
    };
    res.on('error', () => undefined);
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The JavaScript heap and the Buffers outside it, where the chunks of an answer live.
  const held = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const heldBefore = held();
  let heldPeak = heldBefore;
  const sampler = setInterval(() => (heldPeak = Math.max(heldPeak, held())), 10);
  try {
    const { code, stderr } = await capture(() => main(['verdict', '--prometheus-url', url, '--quiet', '--timeout', '30s']));
    expect(code).toBe(4);
    expect(stderr).toContain('larger than the 64 MiB cap (MAX_RESPONSE_BYTES)');
  } finally {
    clearInterval(sampler);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  expect(handed).toBeGreaterThan(MAX_RESPONSE_BYTES);
  // Loopback socket buffers hold a few MiB at most; 2.6 GB was read before the fix.
  expect(handed).toBeLessThan(MAX_RESPONSE_BYTES + 32 * MiB);
  // Measured: 66 MiB handed over; memory held grows by about the cap, never by what the server could send.
  expect(heldPeak - heldBefore).toBeLessThan(2 * MAX_RESPONSE_BYTES);
}, 60_000);
