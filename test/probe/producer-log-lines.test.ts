/**
 * Log lines of the producers added in issue 9 that write their own (Fly Proxy's coded errors, fly.io docs "Error
 * codes"): each is read by the same table `npm run explain` and the chat use, and a line without a code is not.
 */
import { explainText } from '../../src/probe/explain';
import { createLogReadState, matchLogLine } from '../../src/probe/log-patterns';

describe('Fly Proxy error lines', () => {
  it.each([
    [
      '2024-05-01T12:00:01Z proxy[e784079b449483] fra [error] [PC01] instance refused connection. is your app listening on 0.0.0.0:8080?',
      'upstream-refused',
    ],
    ['2024-05-01T12:00:02Z proxy[e784079b449483] fra [error] [PC02] connection refused', 'upstream-refused'],
    ['2024-05-01T12:00:03Z proxy[e784079b449483] fra [error] [PC03] connection reset by peer', 'upstream-reset'],
    [
      '2024-05-01T12:00:04Z proxy[e784079b449483] fra [error] [PU02] could not complete HTTP request to instance: connection closed before message completed',
      'upstream-reset',
    ],
    ['2024-05-01T12:00:05Z proxy[e784079b449483] fra [error] [PC05] timed out while connecting to your instance', 'upstream-timeout'],
    [
      '2024-05-01T12:00:06Z proxy[e784079b449483] fra [error] [PR04] could not find a good candidate within 20 attempts at load balancing',
      'no-live-upstreams',
    ],
  ])('%s', (line, cause) => {
    expect(matchLogLine(line, createLogReadState())).toMatchObject({ format: 'fly-proxy', producer: 'fly', cause });
    expect(explainText(line)).toEqual([expect.objectContaining({ line: 1, producer: 'fly', cause })]);
  });

  it('leaves codes it does not know, and the same words without a code, alone', () => {
    expect(matchLogLine('proxy[e784079b449483] fra [error] [PT04] tls handshake failed', createLogReadState())).toBeUndefined();
    expect(matchLogLine('PC01 instance refused connection', createLogReadState())).toBeUndefined();
  });
});
