import { readFileSync } from 'node:fs';
import path from 'node:path';
import { explainText } from '../../src/probe/explain';
import {
  ALB_FIELDS,
  ENVOY_RESPONSE_FLAGS,
  HAPROXY_TERMINATION,
  IIS7_DEFAULT_FIELDS,
  LOG_PATTERNS,
  WIN32_STATUS,
  createLogReadState,
  matchLogLine,
  splitLogFields,
} from '../../src/probe/log-patterns';
import type { Finding } from '../../src/contracts';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

function createLog(file: string): string {
  return readFileSync(path.join(LOGS, file), 'utf8');
}

type Row = [line: number, producer: string | undefined, cause: Finding['cause']];

function withRows(findings: Finding[]): Row[] {
  return findings.map((f) => [f.line ?? -1, f.producer, f.cause]);
}

/** What each log fixture must yield, line by line; lines not listed must yield nothing. */
const EXPECTED_LOGS: Record<string, Row[]> = {
  'nginx-error.log': [
    [1, 'nginx', 'upstream-refused'],
    [2, 'nginx', 'upstream-reset'],
    [3, 'nginx', 'header-too-big'],
    [4, 'nginx', 'no-live-upstreams'],
    [5, 'nginx', 'socket-permission'],
    [6, 'nginx', 'socket-missing'],
    [7, 'nginx', 'upstream-timeout'],
    [8, 'nginx', 'upstream-dns'],
    [9, 'nginx', 'upstream-tls'],
    [10, 'nginx', 'upstream-reset'],
    [11, 'nginx', 'upstream-protocol'],
  ],
  'apache-error.log': [
    [1, 'apache', 'upstream-refused'],
    [2, 'apache', 'upstream-refused'],
    [3, 'apache', 'upstream-reset'],
    [4, 'apache', 'upstream-timeout'],
    [5, 'apache', 'upstream-reset'],
    [6, 'apache', 'socket-missing'],
    [7, 'apache', 'no-live-upstreams'],
  ],
  'iis-w3c.log': [
    [5, 'iis', 'upstream-timeout'],
    [6, 'iis', 'upstream-refused'],
    [7, 'iis', 'upstream-reset'],
    [8, 'aspnetcore', 'app-crash'],
    [10, 'iis', 'upstream-reset'],
  ],
  'iis-custom-fields.log': [
    [3, 'iis', 'upstream-tls'],
    [4, 'iis', 'no-live-upstreams'],
  ],
  'iis-default-fields.log': [
    [1, 'iis', 'upstream-reset'],
    [2, 'iis', 'upstream-dns'],
  ],
  'haproxy.log': [
    [1, 'haproxy', 'upstream-refused'],
    [2, 'haproxy', 'upstream-reset'],
    [3, 'haproxy', 'upstream-timeout'],
    [4, 'haproxy', 'upstream-protocol'],
    [5, 'haproxy', 'no-live-upstreams'],
    [7, 'haproxy', 'upstream-refused'],
    [8, 'haproxy', 'no-live-upstreams'],
    [9, 'haproxy', 'upstream-timeout'],
  ],
  'envoy.log': [
    [1, 'envoy', 'upstream-refused'],
    [2, 'envoy', 'no-live-upstreams'],
    [3, 'envoy', 'upstream-timeout'],
    [4, 'envoy', 'upstream-refused'],
    [5, 'envoy', 'upstream-protocol'],
    [6, 'envoy', 'upstream-reset'],
    [8, 'envoy', 'upstream-overloaded'],
  ],
  'aws-alb.log': [
    [1, 'aws-alb', 'upstream-refused'],
    [2, 'aws-alb', 'upstream-reset'],
    [3, 'aws-alb', 'status-502'],
    [4, 'aws-alb', 'no-live-upstreams'],
    [5, 'aws-alb', 'app-crash'],
    [6, 'aws-alb', 'upstream-timeout'],
  ],
  'php-fpm.log': [
    [1, undefined, 'upstream-overloaded'],
    [2, undefined, 'upstream-overloaded'],
    [3, undefined, 'upstream-timeout'],
    [5, undefined, 'app-crash'],
  ],
  'gunicorn.log': [
    [1, undefined, 'upstream-timeout'],
    [3, undefined, 'app-crash'],
    [5, undefined, 'app-crash'],
  ],
  'heroku-router.log': [
    [1, 'heroku', 'app-crash'],
    [2, 'heroku', 'upstream-timeout'],
    [3, 'heroku', 'upstream-reset'],
    [6, 'heroku', 'no-live-upstreams'],
  ],
  'kernel.log': [
    [1, undefined, 'app-crash'],
    [2, undefined, 'app-crash'],
    [3, undefined, 'app-crash'],
    [4, undefined, 'upstream-overloaded'],
    [5, undefined, 'app-crash'],
  ],
};

describe('log fixtures, line by line', () => {
  it.each(Object.entries(EXPECTED_LOGS))('%s', (file, rows) => {
    expect(withRows(explainText(createLog(file)))).toEqual(rows);
  });
});

/** One realistic line per pattern id: proves every regex compiles, matches, and is not shadowed by an earlier one. */
const EXAMPLES: Record<string, string> = {
  'nginx-unix-socket-permission':
    '2024/05/01 12:00:05 [crit] 9#9: *1 connect() to unix:/var/run/php-fpm.sock failed (13: Permission denied) while connecting to upstream, client: 10.0.0.1',
  'nginx-unix-socket-missing':
    '2024/05/01 12:00:06 [crit] 9#9: *2 connect() to unix:/run/php/php7.4-fpm.sock failed (2: No such file or directory) while connecting to upstream',
  'nginx-unix-socket-refused':
    '2024/05/01 12:00:06 [error] 9#9: *3 connect() to unix:/run/gunicorn.sock failed (111: Connection refused) while connecting to upstream',
  'nginx-unix-socket-backlog':
    '2024/05/01 12:00:06 [error] 9#9: *4 connect() to unix:/run/php/php8.3-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream',
  'nginx-tcp-permission':
    '2024/05/01 12:00:06 [crit] 9#9: *5 connect() to 127.0.0.1:8080 failed (13: Permission denied) while connecting to upstream, client: 10.0.0.1',
  'nginx-connect-refused':
    '2024/05/01 12:00:06 [error] 9#9: *6 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1',
  'nginx-connect-unreachable':
    '2024/05/01 12:00:06 [error] 9#9: *7 connect() failed (113: No route to host) while connecting to upstream, client: 10.0.0.1',
  'nginx-connect-timeout':
    '2024/05/01 12:00:06 [error] 9#9: *8 upstream timed out (110: Connection timed out) while connecting to upstream, client: 10.0.0.1',
  'nginx-read-timeout':
    '2024/05/01 12:00:06 [error] 9#9: *9 upstream timed out (110: Unknown error) while reading response header from upstream',
  'nginx-premature-close':
    '2024/05/01 12:00:06 [error] 9#9: *10 upstream prematurely closed FastCGI stdout while reading response header from upstream',
  'nginx-connection-reset':
    '2024/05/01 12:00:06 [error] 9#9: *11 writev() failed (32: Broken pipe) while sending request to upstream, client: 10.0.0.1',
  'nginx-header-too-big':
    '2024/05/01 12:00:06 [error] 9#9: *12 upstream sent too big header while reading response header from upstream, client: 10.0.0.1',
  'nginx-no-live-upstreams': '2024/05/01 12:00:06 [error] 9#9: *13 no live upstreams while connecting to upstream, client: 10.0.0.1',
  'nginx-dns': '2024/05/01 12:00:06 [error] 9#9: *14 no resolver defined to resolve api.example.com, client: 10.0.0.1',
  'nginx-tls-handshake':
    '2024/05/01 12:00:06 [error] 9#9: *15 upstream SSL certificate verify error: (20:unable to get local issuer certificate) while SSL handshaking to upstream',
  'nginx-invalid-response':
    '2024/05/01 12:00:06 [error] 9#9: *16 upstream sent no valid HTTP/1.0 header while reading response header from upstream',
  'nginx-fastcgi-fatal':
    '2024/05/01 12:00:06 [error] 9#9: *17 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted" while reading response header from upstream',
  'apache-status-line-timeout':
    '[Wed May 01 12:00:35.000001 2024] [proxy_http:error] [pid 1:tid 2] (70007)The timeout specified has expired: [client 10.0.0.1:5] AH01102: error reading status line from remote server 10.0.0.9:80',
  'apache-status-line':
    '[Wed May 01 12:00:35.000001 2024] [proxy_http:error] [pid 1:tid 2] (70014)End of file found: [client 10.0.0.1:5] AH01102: error reading status line from remote server 10.0.0.9:80',
  'apache-unix-socket-permission':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] (13)Permission denied: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php-fpm.sock (*) failed',
  'apache-unix-socket':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] (111)Connection refused: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php-fpm.sock (*) failed',
  'apache-connect-timeout':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] (110)Connection timed out: AH00957: HTTP: attempt to connect to 10.0.0.9:80 (10.0.0.9) failed',
  'apache-connect-failed':
    '[Wed May 01 12:00:35.000001 2024] [proxy_http:error] [pid 1:tid 2] [client 10.0.0.1:5] AH01114: HTTP: failed to make connection to backend: app.internal',
  'apache-worker-disabled':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] AH00940: HTTP: disabled connection for (app.internal)',
  'apache-ssl-proxy':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] AH00961: HTTPS: failed to enable ssl support for 10.0.0.9:443 (app.internal)',
  'apache-reading-remote-timeout':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] [client 10.0.0.1:5] AH00898: Timeout on 100-Continue returned by /upload',
  'apache-reading-remote':
    '[Wed May 01 12:00:35.000001 2024] [proxy:error] [pid 1:tid 2] [client 10.0.0.1:5] AH00898: Error reading from remote server returned by /',
  'apache-fcgi-header':
    '[Wed May 01 12:00:35.000001 2024] [proxy_fcgi:error] [pid 1:tid 2] [client 10.0.0.1:5] AH01067: Failed to read FastCGI header',
  'apache-fcgi-dispatch':
    '[Wed May 01 12:00:35.000001 2024] [proxy_fcgi:error] [pid 1:tid 2] (104)Connection reset by peer: [client 10.0.0.1:5] AH01075: Error dispatching request to :',
  'haproxy-no-server': 'May  1 12:00:44 lb1 haproxy[2890]: backend api has no server available!',
  'haproxy-server-down-refused':
    'May  1 12:00:43 lb1 haproxy[2890]: Server api/a1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms.',
  'haproxy-server-down-timeout':
    'May  1 12:00:43 lb1 haproxy[2890]: Server api/a1 is DOWN, reason: Layer7 timeout, check duration: 2001ms.',
  'php-fpm-max-children': '[01-May-2024 12:00:01] WARNING: [pool api] server reached max_children setting (20), consider raising it',
  'php-fpm-busy':
    '[01-May-2024 12:00:02] WARNING: [pool www] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning 32 children',
  'php-fpm-terminate-timeout':
    '[01-May-2024 12:00:40] WARNING: [pool www] child 7, script \'/srv/app/index.php\' (request: "POST /index.php") execution timed out (60.000123 sec), terminating',
  'php-fpm-child-signal':
    '[01-May-2024 12:01:00] WARNING: [pool www] child 8 exited on signal 11 (SIGSEGV - core dumped) after 3.2 seconds from start',
  'gunicorn-worker-timeout': '[2024-05-01 12:00:31 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:99)',
  'gunicorn-worker-killed': '[2024-05-01 12:00:32 +0000] [1] [ERROR] Worker (pid:99) exited with code 1',
  'gunicorn-boot-failure': '[2024-05-01 12:00:33 +0000] [1] [INFO] Worker failed to boot.',
  'uwsgi-harakiri': 'Wed May  1 12:00:31 2024 - *** HARAKIRI ON WORKER 3 (pid: 4242, try: 1) ***',
  'uwsgi-listen-queue-full': 'Wed May  1 12:00:31 2024 - *** uWSGI listen queue of socket "127.0.0.1:3031" (fd: 3) full !!! (101/100) ***',
  'heroku-h10': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H10 desc="App crashed" method=GET path="/" status=503',
  'heroku-h11': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H11 desc="Backlog too deep" method=GET path="/" status=503',
  'heroku-h12': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/" status=503',
  'heroku-h13': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H13 desc="Connection closed without response" status=503',
  'heroku-h14': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H14 desc="No web dynos running" status=503',
  'heroku-h15': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H15 desc="Idle connection" status=503',
  'heroku-h17': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H17 desc="Poorly formatted HTTP response" status=503',
  'heroku-h18': '2024-05-01T12:00:01+00:00 heroku[router]: sock=backend at=error code=H18 desc="Server Request Interrupted" status=503',
  'heroku-h19': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H19 desc="Backend connection timeout" status=503',
  'heroku-h20': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H20 desc="App boot timeout" status=503',
  'heroku-h21': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H21 desc="Backend connection refused" status=503',
  'heroku-h22': '2024-05-01T12:00:01+00:00 heroku[router]: at=error code=H22 desc="Connection limit reached" status=503',
  'kernel-oom-kill': '[ 9876.543210] Memory cgroup out of memory: Killed process 777 (gunicorn) total-vm:912345kB',
  'kernel-oom-summary': 'May  1 12:00:01 web1 kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task=java,pid=31,uid=0',
  'kernel-segfault':
    'May  1 12:00:05 web1 kernel: node[4242]: segfault at 8 ip 0000556b1c2d3e4f sp 00007ffc0a1b2c3d error 4 in node[556b1a000000+4b00000]',
  'kernel-syn-flood': 'May  1 12:00:06 web1 kernel: TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.',
  'kernel-conntrack-full': 'May  1 12:00:06 web1 kernel: nf_conntrack: table full, dropping packet',
  'systemd-killed': "May  1 12:00:06 web1 systemd[1]: app.service: Failed with result 'oom-kill'.",
  'kubernetes-oomkilled': '      Reason:       OOMKilled',
  'kubernetes-crashloop': 'api-7d9f8c6b5-x2x9q   0/1     CrashLoopBackOff   6 (2m ago)   10m',
  'fly-refused': 'proxy[e784079b449483] fra [error] [PC01] instance refused connection. is your app listening on 0.0.0.0:8080?',
  'fly-reset':
    'proxy[e784079b449483] fra [error] [PU02] could not complete HTTP request to instance: connection closed before message completed',
  'fly-timeout': 'proxy[e784079b449483] fra [error] [PC05] timed out while connecting to your instance',
  'fly-no-instance': 'proxy[e784079b449483] fra [error] [PR04] could not find a good candidate within 20 attempts at load balancing',
};

describe('the pattern table', () => {
  it('has an example for every pattern and no example without a pattern', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(LOG_PATTERNS.map((p) => p.id).sort());
  });

  it.each(LOG_PATTERNS.map((p) => [p.id, p] as const))('%s is reached by its example', (id, pattern) => {
    const got = matchLogLine(EXAMPLES[id] ?? '', createLogReadState());
    expect(got).toMatchObject({ id, format: pattern.format, cause: pattern.cause });
  });

  it('uses unique ids and one-sentence summaries', () => {
    const ids = LOG_PATTERNS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of LOG_PATTERNS) {
      expect(p.summary).toMatch(/^[A-Za-z].*\.$/);
      expect(p.summary).not.toMatch(/\.\s+[A-Z]/);
    }
  });
});

describe('field-aware readers', () => {
  it('follows an IIS #Fields line when the layout changes mid-file', () => {
    const state = createLogReadState();
    expect(matchLogLine('#Fields: date time sc-win32-status sc-substatus sc-status cs-uri-stem', state)).toBeUndefined();
    expect(matchLogLine('2024-05-01 12:00:01 12152 3 502 /x', state)).toMatchObject({ format: 'iis-w3c', cause: 'upstream-protocol' });
    expect(matchLogLine('2024-05-01 12:00:02 0 0 200 /x', state)).toBeUndefined();
  });

  it('says only "sub-status" for an IIS 502.3 with an unknown win32 code, and "status-502" for a bare 502', () => {
    const state = createLogReadState();
    matchLogLine('#Fields: date time cs-uri-stem sc-status sc-substatus sc-win32-status', state);
    expect(matchLogLine('2024-05-01 12:00:01 /a 502 3 5', state)?.cause).toBe('sub-status');
    expect(matchLogLine('2024-05-01 12:00:01 /a 502 0 0', state)?.cause).toBe('status-502');
  });

  it('does not take a dated line with the IIS field count but no status codes for IIS', () => {
    const line = '2024-05-01 12:00:01 node api-7d9f default Warning Killing container as it was OOMKilled by kubelet';
    expect(line.split(/\s+/)).toHaveLength(IIS7_DEFAULT_FIELDS.length);
    expect(matchLogLine(line, createLogReadState())).toMatchObject({ id: 'kubernetes-oomkilled' });
  });

  it('reads the Envoy flag next to the status, preferring a specific flag over URX', () => {
    const line = '[2024-05-01T12:00:19.123Z] "GET /feed HTTP/1.1" 503 URX,UO 0 91 40 - "-" "-" "-" "-" "-"';
    expect(matchLogLine(line, createLogReadState())).toMatchObject({ id: 'envoy-UO', cause: 'upstream-overloaded' });
    const ok = '[2024-05-01T12:00:19.123Z] "GET / HTTP/1.1" 200 - 0 91 40 3 "-" "-" "-" "-" "-"';
    expect(matchLogLine(ok, createLogReadState())).toBeUndefined();
  });

  it('reads the HAProxy termination state, not just any two letters on the line', () => {
    // "SH" appears in the URL, but the state field is "----": nothing to report.
    const line =
      'haproxy[1]: 10.0.0.1:1 [01/May/2024:12:00:00.000] fe be/s1 0/0/0/10/10 200 100 - - ---- 1/1/1/1/0 0/0 "GET /SH-- HTTP/1.1"';
    expect(matchLogLine(line, createLogReadState())).toBeUndefined();
  });

  it('keeps quoted ALB fields whole', () => {
    const fields = splitLogFields('http t elb 1.2.3.4:5 - -1 -1 -1 502 - 1 2 "GET http://x/ HTTP/1.1" "Mozilla/5.0 (X11; Linux)"');
    expect(fields[ALB_FIELDS.indexOf('request')]).toBe('GET http://x/ HTTP/1.1');
    expect(fields[ALB_FIELDS.indexOf('user_agent')]).toBe('Mozilla/5.0 (X11; Linux)');
  });

  it('reads a classic ELB line with the same rules', () => {
    const line =
      '2024-05-01T12:00:01.123456Z shop-elb 203.0.113.9:51234 10.0.1.25:8080 -1 -1 -1 502 - 0 0 "GET http://shop.example.com:80/ HTTP/1.1" "curl/8.5.0" - -';
    expect(matchLogLine(line, createLogReadState())).toMatchObject({ format: 'aws-alb', cause: 'upstream-refused' });
  });

  it('keeps the code tables consistent', () => {
    for (const key of Object.keys(HAPROXY_TERMINATION)) expect(key).toMatch(/^[A-Za-z]{2}$/);
    for (const key of Object.keys(ENVOY_RESPONSE_FLAGS)) expect(key).toMatch(/^[A-Z]{2,5}$/);
    for (const key of Object.keys(WIN32_STATUS)) expect(key).toMatch(/^\d+$/);
  });
});
