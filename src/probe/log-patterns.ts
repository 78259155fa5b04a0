/**
 * What server log lines say about a 502, as data: one-line patterns per log format, plus the field
 * layouts and code tables for the formats that must be read field by field (IIS W3C, HAProxy, Envoy,
 * AWS ALB). Every summary is one sentence: what the line means and what to check next.
 */
import { MAX_LINE_CHARS, type CauseId, type Finding, type ProducerId } from '../contracts';
import { cutAt } from '../text/limits';

/** One recognisable log line shape and what it means. */
export interface LogPattern {
  id: string;
  /**
   * 'nginx-error' | 'apache-error' | 'php-fpm' | 'gunicorn' | 'uwsgi' | 'heroku-router' | 'haproxy' | 'kernel' |
   * 'systemd' | 'kubernetes' | 'fly-proxy' ...
   */
  format: string;
  producer?: ProducerId;
  cause: CauseId;
  pattern: RegExp;
  /** English, one sentence: what it means and what to check. */
  summary: string;
}

/** A log line that was recognised, by a pattern or by a field-aware reader. */
export interface LogMatch {
  id: string;
  format: string;
  producer?: ProducerId;
  /** Field-aware readers may only know "a 502" or "a sub-status" when the codes are not in the tables. */
  cause: Finding['cause'];
  summary: string;
}

/**
 * Ordered: the first matching pattern wins, so specific shapes (a unix socket, an errno) come before
 * the generic ones they would otherwise fall into.
 */
export const LOG_PATTERNS: readonly LogPattern[] = [
  // --- nginx error log -------------------------------------------------------------------------
  {
    id: 'nginx-unix-socket-permission',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'socket-permission',
    pattern: /connect\(\) to unix:\S+ failed \(13: Permission denied\)/,
    summary:
      'nginx may not open the upstream unix socket; compare the socket owner and mode (listen.owner, listen.group, listen.mode in the ' +
      'FPM pool) with the user nginx runs as.',
  },
  {
    id: 'nginx-unix-socket-missing',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'socket-missing',
    pattern: /connect\(\) to unix:\S+ failed \(2: No such file or directory\)/,
    summary:
      'The unix socket nginx proxies to does not exist; check that the backend (often PHP-FPM) is running and that its listen path ' +
      'matches the path in the nginx config exactly, version number included.',
  },
  {
    id: 'nginx-unix-socket-refused',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-refused',
    pattern: /connect\(\) to unix:\S+ failed \(111: Connection refused\)/,
    summary:
      'The socket file exists but no process is accepting on it, usually a stale socket left by a backend that stopped; restart the ' +
      'backend and check why it exited.',
  },
  {
    id: 'nginx-unix-socket-backlog',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-overloaded',
    pattern: /connect\(\) to unix:\S+ failed \(11: Resource temporarily unavailable\)/,
    summary:
      "The backend's listen queue on the unix socket is full because every worker is busy; look for slow requests and raise the worker " +
      'count (pm.max_children) or listen.backlog only if memory allows.',
  },
  {
    id: 'nginx-tcp-permission',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'socket-permission',
    pattern: /connect\(\) to \S+ failed \(13: Permission denied\) while connecting to upstream/,
    summary:
      'The operating system forbade nginx from connecting to the upstream port, typically SELinux; check the audit log and the ' +
      'httpd_can_network_connect boolean.',
  },
  {
    id: 'nginx-connect-refused',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-refused',
    pattern: /\(111: Connection refused\) while connecting to upstream/,
    summary:
      'Nothing is listening at the upstream address nginx uses; check that the application is running and bound to the host and port ' +
      'named in the "upstream:" part of the line.',
  },
  {
    id: 'nginx-connect-unreachable',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-refused',
    pattern: /\((?:113: No route to host|101: Network is unreachable)\) while connecting to upstream/,
    summary:
      'nginx has no network path to the upstream host; check the upstream IP, the routes and any firewall or security group between the ' +
      'two machines.',
  },
  {
    id: 'nginx-connect-timeout',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-timeout',
    pattern: /upstream timed out \(110: [^()]*\) while connecting to upstream/,
    summary:
      'nginx could not even open a connection to the upstream in time; a firewall silently dropping packets or an overloaded host is the ' +
      'usual reason.',
  },
  {
    id: 'nginx-read-timeout',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-timeout',
    pattern: /upstream timed out \(110: [^()]*\) while (?:reading|sending)/,
    summary:
      'The upstream accepted the request but answered slower than proxy_read_timeout (or fastcgi_read_timeout); find the slow request in ' +
      'the application logs before raising the timeout.',
  },
  {
    id: 'nginx-premature-close',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-reset',
    pattern: /upstream prematurely closed (?:FastCGI stdout|connection) while reading/,
    summary:
      'The upstream closed the connection before sending a complete response, which usually means the worker crashed, was killed (out of ' +
      'memory, timeout) or closed an idle keep-alive connection; check the application log at the same second.',
  },
  {
    id: 'nginx-connection-reset',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-reset',
    pattern: /\((?:104: Connection reset by peer|32: Broken pipe)\) while (?:reading|sending)[^,(]*upstream/,
    summary:
      'The upstream reset the connection in the middle of the exchange; look for a crashing or restarting worker and for keep-alive ' +
      'timeouts shorter on the upstream than in nginx.',
  },
  {
    id: 'nginx-header-too-big',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'header-too-big',
    pattern: /upstream sent too big header while reading response header from upstream/,
    summary:
      'The upstream response headers (often large cookies) do not fit nginx buffers; raise proxy_buffer_size and proxy_buffers ' +
      '(fastcgi_buffer_size for PHP) or make the headers smaller.',
  },
  {
    id: 'nginx-no-live-upstreams',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'no-live-upstreams',
    pattern: /no live upstreams while connecting to upstream/,
    summary:
      'nginx has marked every server of the upstream group as failed after earlier errors; the earlier lines show why, and the servers ' +
      'come back after fail_timeout once they answer again.',
  },
  {
    id: 'nginx-dns',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-dns',
    pattern: / could not be resolved \(\d+: [^()]*\)|no resolver defined to resolve|host not found in upstream/,
    summary:
      'nginx could not turn the upstream host name into an address; check the name, the resolver directive and the DNS record it points ' +
      'to.',
  },
  {
    id: 'nginx-tls-handshake',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-tls',
    pattern:
      /SSL_do_handshake\(\) failed (?:(?!SSL_do_handshake\(\)).)*while SSL handshaking to upstream|upstream SSL certificate (?:verify error|does not match)/,
    summary:
      'The TLS handshake between nginx and an HTTPS upstream failed; compare protocols and ciphers, set proxy_ssl_server_name on when ' +
      'the upstream needs SNI, and check the upstream certificate chain.',
  },
  {
    id: 'nginx-invalid-response',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'upstream-protocol',
    pattern:
      /upstream sent (?:invalid header|no valid HTTP\/1\.0 header|invalid status|invalid chunked response|unexpected FastCGI record|invalid FastCGI record)/,
    summary:
      'The upstream answered with something that is not valid HTTP (or FastCGI); check that nginx speaks the protocol the backend ' +
      'expects (http vs https, proxy_pass vs fastcgi_pass) and that the app writes nothing before its headers.',
  },
  {
    id: 'nginx-fastcgi-fatal',
    format: 'nginx-error',
    producer: 'nginx',
    cause: 'app-crash',
    pattern: /FastCGI sent in stderr: "(?:(?!FastCGI sent in stderr).)*PHP (?:message: PHP )?Fatal error/,
    summary:
      'PHP stopped with a fatal error while building the page; the message after "Fatal error" names the file and line to fix (memory ' +
      'limits and missing extensions are common).',
  },

  // --- Apache httpd error log (mod_proxy) ------------------------------------------------------
  {
    id: 'apache-status-line-timeout',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-timeout',
    pattern: /\(70007\)[^:(]*:(?:(?!\(70007\)).)*AH01102/,
    summary:
      'Apache gave up waiting for the backend to start its response (ProxyTimeout or Timeout); find what makes the backend slow before ' +
      'raising the timeout.',
  },
  {
    id: 'apache-status-line',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-reset',
    pattern: /AH01102: error reading status line from remote server/,
    summary:
      'The backend closed or reset the connection before sending a status line; check whether it crashed, and whether its keep-alive ' +
      'timeout is shorter than Apache reuses connections (consider disablereuse=On or a lower ttl).',
  },
  {
    id: 'apache-unix-socket-permission',
    format: 'apache-error',
    producer: 'apache',
    cause: 'socket-permission',
    pattern: /\(13\)Permission denied:(?:(?!\(13\)Permission denied).)*AH02454/,
    summary: "Apache may not connect to the backend's unix socket; align the socket owner, group and mode with the user Apache runs as.",
  },
  {
    id: 'apache-unix-socket',
    format: 'apache-error',
    producer: 'apache',
    cause: 'socket-missing',
    pattern: /AH02454: (?:(?!AH02454).)*attempt to connect to Unix domain socket/,
    summary:
      'Apache could not reach the backend through its unix socket; check that the backend (often PHP-FPM) is running and that the socket ' +
      'path in the SetHandler or ProxyPass line is the one it listens on.',
  },
  {
    id: 'apache-connect-timeout',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-timeout',
    pattern: /\((?:110|70007)\)[^:(]*:(?:(?!\((?:110|70007)\)).)*AH00957/,
    summary:
      'Apache timed out opening a connection to the backend; a firewall dropping packets or an overloaded backend host is the usual ' +
      'reason.',
  },
  {
    id: 'apache-connect-failed',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-refused',
    pattern: /AH00957: \S+: attempt to connect to (?:(?!AH00957).)* failed|AH01114: \S+: failed to make connection to backend/,
    summary:
      'Apache could not connect to the backend address in ProxyPass; check that the backend is running and listening on that host and ' +
      'port (Apache answers 503 for this one).',
  },
  {
    id: 'apache-worker-disabled',
    format: 'apache-error',
    producer: 'apache',
    cause: 'no-live-upstreams',
    pattern: /AH00959: ap_proxy_connect_backend disabling worker|AH00940: \S+: disabled connection for/,
    summary:
      'After failing to connect, Apache put this backend in error state and sends nothing to it until the retry interval passes; fix the ' +
      'connection error logged just before.',
  },
  {
    id: 'apache-ssl-proxy',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-tls',
    pattern:
      /AH00961: \S+: failed to enable ssl support|SSL Proxy requested for (?:(?!SSL Proxy requested).)* but not enabled|Error during SSL Handshake with remote server/,
    summary:
      'TLS towards the backend could not be set up; check SSLProxyEngine, the SSLProxy* verification settings and the backend certificate.',
  },
  {
    id: 'apache-reading-remote-timeout',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-timeout',
    pattern: /AH00898: Timeout (?:(?!AH00898).)* returned by/,
    summary: 'The backend did not answer within the proxy timeout; look for the slow request on the backend.',
  },
  {
    id: 'apache-reading-remote',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-reset',
    pattern: /AH00898: Error reading from remote server returned by/,
    summary: 'Apache lost the connection while reading the backend response; check the backend for crashes or restarts at the same time.',
  },
  {
    id: 'apache-fcgi-header',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-reset',
    pattern: /AH01067: Failed to read (?:FastCGI header|entire header)/,
    summary:
      'The FastCGI backend closed the connection without a usable reply, usually because the PHP-FPM worker died or hit ' +
      'request_terminate_timeout; check the FPM log.',
  },
  {
    id: 'apache-fcgi-dispatch',
    format: 'apache-error',
    producer: 'apache',
    cause: 'upstream-reset',
    pattern: /AH01075: Error dispatching request to/,
    summary:
      'Apache could not complete the exchange with the FastCGI backend; the error text before AH01075 (timeout, reset) says which, and ' +
      'the FPM log shows the worker side.',
  },

  // --- HAProxy messages that are not access-log lines --------------------------------------------
  {
    id: 'haproxy-no-server',
    format: 'haproxy',
    producer: 'haproxy',
    cause: 'no-live-upstreams',
    pattern: /backend \S+ has no server available!/,
    summary: 'Every server in this HAProxy backend failed its health check; the "is DOWN" lines before it say why each one was taken out.',
  },
  {
    id: 'haproxy-server-down-refused',
    format: 'haproxy',
    producer: 'haproxy',
    cause: 'upstream-refused',
    pattern: /Server \S+ is DOWN, reason: Layer4 connection problem, info: "Connection refused"/,
    summary: 'The health check found nothing listening on the server port; start the application or fix the port in the server line.',
  },
  {
    id: 'haproxy-server-down-timeout',
    format: 'haproxy',
    producer: 'haproxy',
    cause: 'upstream-timeout',
    pattern: /Server \S+ is DOWN, reason: Layer[47] timeout/,
    summary: 'The health check got no answer in time, so HAProxy took the server out; check the server load and any firewall between them.',
  },

  // --- PHP-FPM ---------------------------------------------------------------------------------
  {
    id: 'php-fpm-max-children',
    format: 'php-fpm',
    cause: 'upstream-overloaded',
    pattern: /server reached (?:pm\.)?max_children setting/,
    summary:
      'Every PHP-FPM worker was busy, so new requests queued or failed; find slow scripts first, then raise pm.max_children only as far ' +
      'as memory allows (worker size times count).',
  },
  {
    id: 'php-fpm-busy',
    format: 'php-fpm',
    cause: 'upstream-overloaded',
    pattern: /seems busy \(you may need to increase pm\.start_servers/,
    summary:
      'The PHP-FPM pool is short of idle workers for the traffic it gets; review pm.start_servers and the spare-server limits, and watch ' +
      'for max_children warnings.',
  },
  {
    id: 'php-fpm-terminate-timeout',
    format: 'php-fpm',
    cause: 'upstream-timeout',
    pattern: /execution timed out \([\d.]+ sec\), terminating/,
    summary:
      'PHP-FPM killed a script that ran longer than request_terminate_timeout, so the proxy got a cut-off response; the line names the ' +
      'script to speed up.',
  },
  {
    id: 'php-fpm-child-signal',
    format: 'php-fpm',
    cause: 'app-crash',
    // SIGTERM/SIGQUIT are FPM's own doing (timeouts, reloads), so only crash-like signals count.
    pattern: /child \d+ exited on signal (?:4|6|7|8|9|11) \(SIG\w+(?: - core dumped)?\)/,
    summary:
      'A PHP-FPM worker died from a signal (SIGKILL is often the out-of-memory killer, SIGSEGV a crashing extension); check the kernel ' +
      'log and recently changed extensions.',
  },

  // --- gunicorn / uWSGI ------------------------------------------------------------------------
  {
    id: 'gunicorn-worker-timeout',
    format: 'gunicorn',
    cause: 'upstream-timeout',
    pattern: /\[CRITICAL\] WORKER TIMEOUT \(pid:\d+\)/,
    summary:
      'Gunicorn killed a worker that spent longer than --timeout on one request, which the proxy sees as a closed connection; find the ' +
      'slow view or add async workers before raising the timeout.',
  },
  {
    id: 'gunicorn-worker-killed',
    format: 'gunicorn',
    cause: 'app-crash',
    pattern: /Worker \(pid:\d+\) (?:was sent SIG\w+!|exited with code \d+)/,
    summary:
      'A Gunicorn worker was killed or exited (SIGKILL usually means out of memory); check the kernel log and the memory each worker uses.',
  },
  {
    id: 'gunicorn-boot-failure',
    format: 'gunicorn',
    cause: 'app-crash',
    pattern: /Worker failed to boot|Exception in worker process/,
    summary:
      'The application raised an error while its workers started, so nothing can serve requests; the traceback above this line names the ' +
      'failing import or setting.',
  },
  {
    id: 'uwsgi-harakiri',
    format: 'uwsgi',
    cause: 'upstream-timeout',
    pattern: /HARAKIRI ON WORKER \d+/,
    summary: 'uWSGI killed a worker that exceeded the harakiri time limit; find the slow request it was serving.',
  },
  {
    id: 'uwsgi-listen-queue-full',
    format: 'uwsgi',
    cause: 'upstream-overloaded',
    pattern: /listen queue of socket (?:(?!listen queue of socket).)* full !!!/,
    summary:
      "uWSGI's accept queue overflowed because all workers were busy; add workers or make requests faster, and raise the listen size " +
      'together with net.core.somaxconn.',
  },

  // --- Heroku router -------------------------------------------------------------------------
  {
    id: 'heroku-h10',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'app-crash',
    pattern: /\b(?:code=|Error )H10\b/,
    summary: 'The web dyno crashed or never started; run heroku logs --tail and read the app output just before the crash.',
  },
  {
    id: 'heroku-h11',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-overloaded',
    pattern: /\b(?:code=|Error )H11\b/,
    summary: 'Too many requests were waiting for the dynos; scale out or make the slow endpoints faster.',
  },
  {
    id: 'heroku-h12',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-timeout',
    pattern: /\b(?:code=|Error )H12\b/,
    summary:
      "The app did not start answering within Heroku's 30-second limit; move slow work to a background job and look at the path in the " +
      'line.',
  },
  {
    id: 'heroku-h13',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-reset',
    pattern: /\b(?:code=|Error )H13\b/,
    summary:
      'The dyno accepted the connection and closed it without answering, often a crashed worker or a web server timeout shorter than the ' +
      'request; check the app log at that time.',
  },
  {
    id: 'heroku-h14',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'no-live-upstreams',
    pattern: /\b(?:code=|Error )H14\b/,
    summary: 'No web dynos are running for the app; scale the web process type to at least one.',
  },
  {
    id: 'heroku-h15',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-timeout',
    pattern: /\b(?:code=|Error )H15\b/,
    summary: 'The dyno sent nothing for 55 seconds on an open response, so the router closed it; stream data more often or finish sooner.',
  },
  {
    id: 'heroku-h17',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-protocol',
    pattern: /\b(?:code=|Error )H17\b/,
    summary: 'The dyno sent a malformed HTTP response; check the headers the app writes (and anything printed before them).',
  },
  {
    id: 'heroku-h18',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-reset',
    pattern: /\b(?:code=|Error )H18\b/,
    summary: 'The dyno closed the socket in the middle of the request or response; check the app for crashes or early closes.',
  },
  {
    id: 'heroku-h19',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-timeout',
    pattern: /\b(?:code=|Error )H19\b/,
    summary: 'The router could not open a connection to the dyno within 5 seconds, usually because the dyno is overloaded.',
  },
  {
    id: 'heroku-h20',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'app-crash',
    pattern: /\b(?:code=|Error )H20\b/,
    summary: 'The web process did not bind to $PORT within the boot timeout; make it listen on the PORT variable and start faster.',
  },
  {
    id: 'heroku-h21',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-refused',
    pattern: /\b(?:code=|Error )H21\b/,
    summary: 'The dyno refused the connection; check that the web server listens on $PORT on all interfaces.',
  },
  {
    id: 'heroku-h22',
    format: 'heroku-router',
    producer: 'heroku',
    cause: 'upstream-overloaded',
    pattern: /\b(?:code=|Error )H22\b/,
    summary: 'The app reached the router connection limit; add dynos or shorten request time.',
  },

  // --- Kernel, systemd, Kubernetes -------------------------------------------------------------
  {
    id: 'kernel-oom-kill',
    format: 'kernel',
    cause: 'app-crash',
    pattern: /(?:Out of memory|Memory cgroup out of memory): Kill(?:ed)? process \d+/,
    summary:
      'The kernel killed a process to free memory, so any request it was serving failed; the name in brackets shows the victim, and the ' +
      'fix is more memory, fewer workers or a leak found.',
  },
  {
    id: 'kernel-oom-summary',
    format: 'kernel',
    cause: 'app-crash',
    pattern: /\boom-kill:constraint=/,
    summary:
      'This is the summary line of an out-of-memory kill; the task= field names the killed process, which the proxy in front will have ' +
      'seen disappear.',
  },
  {
    id: 'kernel-segfault',
    format: 'kernel',
    cause: 'app-crash',
    pattern: /\bsegfault at [0-9a-f]+ ip [0-9a-f]+ sp [0-9a-f]+/,
    summary:
      'A process crashed with a segmentation fault; the name before the brackets is the crashing program, often a native extension or ' +
      'module.',
  },
  {
    id: 'kernel-syn-flood',
    format: 'kernel',
    cause: 'upstream-overloaded',
    pattern: /Possible SYN flooding on port \d+/,
    summary:
      'The listen queue of that port overflowed (a real flood or an application that accepts too slowly); check the backlog settings and ' +
      'whether the app is keeping up.',
  },
  {
    id: 'kernel-conntrack-full',
    format: 'kernel',
    cause: 'upstream-overloaded',
    pattern: /nf_conntrack: table full, dropping packet/,
    summary:
      'The connection-tracking table is full, so new connections are silently dropped; raise nf_conntrack_max or reduce short-lived ' +
      'connections (enable keep-alive upstream).',
  },
  {
    id: 'systemd-killed',
    format: 'systemd',
    cause: 'app-crash',
    pattern: /Main process exited, code=(?:killed|dumped), status=\d+\/\w+|Failed with result '(?:oom-kill|signal|core-dump)'/,
    summary:
      'systemd saw the service die from a signal; read the journal for the unit just before this line and the kernel log for an ' +
      'out-of-memory kill.',
  },
  {
    id: 'kubernetes-oomkilled',
    format: 'kubernetes',
    cause: 'app-crash',
    pattern: /\bOOMKilled\b/,
    summary: 'The container went over its memory limit and was killed; raise the limit or reduce the memory the app uses.',
  },
  {
    id: 'kubernetes-crashloop',
    format: 'kubernetes',
    cause: 'app-crash',
    pattern: /\bCrashLoopBackOff\b|Back-off restarting failed container/,
    summary: 'The container keeps crashing right after it starts; kubectl logs --previous shows the output of the last failed run.',
  },
  // --- Fly Proxy: every error line carries its code in brackets (fly.io docs, "Error codes") ---------------------
  {
    id: 'fly-refused',
    format: 'fly-proxy',
    producer: 'fly',
    cause: 'upstream-refused',
    pattern: /\[PC0[12]\]/,
    summary:
      'Fly Proxy reached your Machine but nothing accepted the connection (PC01/PC02); make sure the app listens on 0.0.0.0 or :: ' +
      '(not 127.0.0.1) at the internal_port set in fly.toml.',
  },
  {
    id: 'fly-reset',
    format: 'fly-proxy',
    producer: 'fly',
    cause: 'upstream-reset',
    pattern: /\[PC0[34]\]|\[PU02\]/,
    summary:
      'Your app closed or reset the connection before finishing the response (PC03/PC04/PU02); its own log at that moment shows why ' +
      '(a crash, a restart, or a worker killed for memory).',
  },
  {
    id: 'fly-timeout',
    format: 'fly-proxy',
    producer: 'fly',
    cause: 'upstream-timeout',
    pattern: /\[PC05\]/,
    summary:
      'Connections to your Machine timed out (PC05); check the app for overload (the concurrency limits in fly.toml, CPU and memory ' +
      'metrics) and its log for slow requests.',
  },
  {
    id: 'fly-no-instance',
    format: 'fly-proxy',
    producer: 'fly',
    cause: 'no-live-upstreams',
    pattern: /\[PR0[134]\]/,
    summary:
      'Fly Proxy found no healthy Machine to send the request to (PR01/PR03/PR04); check that Machines are started and pass their ' +
      'health checks (fly status, fly checks list).',
  },
];

// --- Field-aware formats ---------------------------------------------------------------------

/** Win32 / WinHTTP status codes IIS logs in sc-win32-status for proxied requests. */
export const WIN32_STATUS: Readonly<Record<string, { name: string; cause: CauseId; summary: string }>> = {
  '64': {
    name: 'ERROR_NETNAME_DELETED',
    cause: 'upstream-reset',
    summary: 'the other side dropped the connection (the backend died or closed it, or a load balancer idle timeout cut it)',
  },
  '1236': {
    name: 'ERROR_CONNECTION_ABORTED',
    cause: 'upstream-reset',
    summary: 'the connection was aborted on this server, often while the backend process was being recycled or crashed',
  },
  '12002': {
    name: 'ERROR_WINHTTP_TIMEOUT',
    cause: 'upstream-timeout',
    summary: 'the backend did not answer within the proxy timeout (ARR timeout or the ASP.NET Core requestTimeout)',
  },
  '12007': {
    name: 'ERROR_WINHTTP_NAME_NOT_RESOLVED',
    cause: 'upstream-dns',
    summary: 'the backend host name in the rewrite or server farm rule could not be resolved',
  },
  '12029': {
    name: 'ERROR_WINHTTP_CANNOT_CONNECT',
    cause: 'upstream-refused',
    summary: 'no connection could be opened to the backend (not running, wrong port, or a firewall)',
  },
  '12030': {
    name: 'ERROR_WINHTTP_CONNECTION_ERROR',
    cause: 'upstream-reset',
    summary: 'the backend closed or reset the connection while the request was in flight',
  },
  '12031': {
    name: 'ERROR_INTERNET_CONNECTION_RESET',
    cause: 'upstream-reset',
    summary: 'the connection to the backend was reset',
  },
  '12152': {
    name: 'ERROR_WINHTTP_INVALID_SERVER_RESPONSE',
    cause: 'upstream-protocol',
    summary: 'the backend sent a response that could not be parsed as HTTP',
  },
  '12157': {
    name: 'ERROR_WINHTTP_SECURE_CHANNEL_ERROR',
    cause: 'upstream-tls',
    summary: 'the TLS channel to the backend failed (protocol or cipher mismatch)',
  },
  '12175': {
    name: 'ERROR_WINHTTP_SECURE_FAILURE',
    cause: 'upstream-tls',
    summary: "the backend's certificate was not accepted (untrusted, expired or wrong name)",
  },
};

/** IIS sub-statuses of 502; 502.3 needs the win32 status to say more. */
export const IIS_502_SUBSTATUS: Readonly<Record<string, { meaning: string; cause?: CauseId }>> = {
  '1': { meaning: 'a CGI application timed out', cause: 'upstream-timeout' },
  '2': { meaning: 'a CGI application exited before answering', cause: 'app-crash' },
  '3': { meaning: 'a forwarder connection error in ARR or the ASP.NET Core Module' },
  '4': { meaning: 'no server was available in the ARR server farm', cause: 'no-live-upstreams' },
  '5': { meaning: 'the ASP.NET Core Module could not start the app process, or it stopped', cause: 'app-crash' },
};

/** IIS 8.5 and later write these fields when the log has no #Fields line. */
export const IIS_DEFAULT_FIELDS: readonly string[] = [
  'date',
  'time',
  's-ip',
  'cs-method',
  'cs-uri-stem',
  'cs-uri-query',
  's-port',
  'cs-username',
  'c-ip',
  'cs(User-Agent)',
  'cs(Referer)',
  'sc-status',
  'sc-substatus',
  'sc-win32-status',
  'time-taken',
];

/** IIS 7.x defaults, without the referrer. */
export const IIS7_DEFAULT_FIELDS: readonly string[] = IIS_DEFAULT_FIELDS.filter((f) => f !== 'cs(Referer)');

/** HAProxy session termination state: first two characters (who ended it, and in which phase). */
export const HAPROXY_TERMINATION: Readonly<Record<string, { cause: CauseId; summary: string }>> = {
  SC: {
    cause: 'upstream-refused',
    summary: 'the server refused the connection or it failed to open (nothing listening, or a firewall rejecting it)',
  },
  sC: { cause: 'upstream-timeout', summary: 'opening the connection to the server took longer than timeout connect' },
  SH: {
    cause: 'upstream-reset',
    summary: 'the server closed or reset the connection before sending complete headers (a crash or a keep-alive close)',
  },
  sH: {
    cause: 'upstream-timeout',
    summary: 'the server accepted the request but sent no headers before timeout server (HAProxy answers 504)',
  },
  PH: {
    cause: 'upstream-protocol',
    summary: 'it rejected the server response as invalid or unsafe (malformed headers, oversized header block)',
  },
  SD: { cause: 'upstream-reset', summary: 'the server aborted the connection while the response body was being sent' },
  sD: { cause: 'upstream-timeout', summary: 'the server stopped sending body data for longer than timeout server' },
  sQ: {
    cause: 'upstream-overloaded',
    summary: 'the request waited in the queue for a free server slot longer than timeout queue (servers at maxconn)',
  },
};

/** Envoy %RESPONSE_FLAGS%; the first flag found in this table wins. */
export const ENVOY_RESPONSE_FLAGS: Readonly<Record<string, { cause: CauseId; summary: string }>> = {
  UH: { cause: 'no-live-upstreams', summary: 'the cluster had no healthy hosts (health checks failing or zero endpoints)' },
  UF: { cause: 'upstream-refused', summary: 'Envoy could not connect to the upstream host (refused, unreachable or TLS setup failed)' },
  UO: { cause: 'upstream-overloaded', summary: 'a circuit breaker (max connections, pending requests or requests) was open' },
  UT: { cause: 'upstream-timeout', summary: 'the upstream did not answer within the route timeout' },
  UC: { cause: 'upstream-reset', summary: 'the upstream connection was terminated before the response completed' },
  UR: { cause: 'upstream-reset', summary: 'the upstream reset the stream' },
  URX: { cause: 'upstream-reset', summary: 'the retry or connect-attempt limit was reached after repeated upstream failures' },
  UPE: { cause: 'upstream-protocol', summary: 'the upstream response broke the HTTP protocol' },
  UMSDR: { cause: 'upstream-timeout', summary: 'the upstream request reached the maximum stream duration' },
  DF: { cause: 'upstream-dns', summary: 'resolving the upstream host name failed' },
  NC: { cause: 'no-live-upstreams', summary: 'the route points at an upstream cluster Envoy does not know' },
};

/** AWS ALB access log fields, in order (https://docs.aws.amazon.com, "Access log entries"). */
export const ALB_FIELDS: readonly string[] = [
  'type',
  'time',
  'elb',
  'client:port',
  'target:port',
  'request_processing_time',
  'target_processing_time',
  'response_processing_time',
  'elb_status_code',
  'target_status_code',
  'received_bytes',
  'sent_bytes',
  'request',
  'user_agent',
  'ssl_cipher',
  'ssl_protocol',
  'target_group_arn',
  'trace_id',
  'domain_name',
  'chosen_cert_arn',
  'matched_rule_priority',
  'request_creation_time',
  'actions_executed',
  'redirect_url',
  'error_reason',
  'target:port_list',
  'target_status_code_list',
  'classification',
  'classification_reason',
  'conn_trace_id',
];

/** ALB error_reason values for Lambda targets that explain a 502. */
export const ALB_ERROR_REASONS: Readonly<Record<string, { cause: CauseId; summary: string }>> = {
  LambdaInvalidResponse: {
    cause: 'upstream-protocol',
    summary:
      'The Lambda target returned a response the ALB could not use; check statusCode, headers (multi-value headers setting) and body ' +
      'encoding.',
  },
  LambdaResponseTooLarge: {
    cause: 'upstream-protocol',
    summary: 'The Lambda target returned more than the ALB accepts (1 MB); return less or redirect to stored content.',
  },
  LambdaUnhandled: {
    cause: 'app-crash',
    summary: 'The Lambda function threw an unhandled error or ran out of time or memory; its CloudWatch log shows which.',
  },
  LambdaThrottling: {
    cause: 'upstream-overloaded',
    summary: 'The Lambda function was throttled by its concurrency limit; raise reserved concurrency or smooth the traffic.',
  },
  LambdaConnectionTimeout: {
    cause: 'upstream-timeout',
    summary: 'The ALB timed out connecting to the Lambda service; retry and check the AWS health dashboard if it persists.',
  },
};

type AlbTimes = 'all-negative' | 'after-send-negative' | 'none-negative';

/** How an ALB line's status codes and timers map to a cause; the first rule that fits wins. */
export interface AlbRule {
  elbStatus: string;
  /** '-' means the target sent no status; undefined means any. */
  targetStatus?: string;
  times?: AlbTimes;
  cause: Finding['cause'];
  summary: string;
}

/** ALB status and timer combinations, most specific first. */
export const ALB_RULES: readonly AlbRule[] = [
  {
    elbStatus: '502',
    targetStatus: '-',
    times: 'all-negative',
    cause: 'upstream-refused',
    summary:
      'The load balancer could not open a connection to the target (it answered with a reset or nothing listens on the target port); ' +
      'check the app is running on that port and the target security group allows the load balancer.',
  },
  {
    elbStatus: '502',
    targetStatus: '-',
    times: 'after-send-negative',
    cause: 'upstream-reset',
    summary:
      "The target closed or reset the connection while the request was outstanding; most often the target's keep-alive timeout is " +
      'shorter than the load balancer idle timeout, or the app crashed mid-request.',
  },
  {
    elbStatus: '502',
    targetStatus: '-',
    cause: 'upstream-protocol',
    summary:
      'The load balancer got an answer from the target that was not a valid HTTP response (malformed headers or a TLS problem towards ' +
      'the target).',
  },
  {
    elbStatus: '502',
    cause: 'status-502',
    summary: 'The target itself answered 502, so the load balancer only passed it on; look at the proxy or app behind it.',
  },
  {
    elbStatus: '503',
    targetStatus: '-',
    cause: 'no-live-upstreams',
    summary: 'The target group had no registered or healthy targets; check target health and the health check path.',
  },
  {
    elbStatus: '504',
    targetStatus: '-',
    cause: 'upstream-timeout',
    summary: 'The target did not answer within the load balancer idle timeout; find the slow request on the target.',
  },
];

// --- Readers -----------------------------------------------------------------------------------

/** State carried from line to line while reading one paste (IIS #Fields lines change the layout). */
export interface LogReadState {
  iisFields?: string[];
}

/** Creates the per-paste state for {@link matchLogLine}. */
export function createLogReadState(): LogReadState {
  return {};
}

/** Recognises one log line: field-aware formats first, then the pattern table. */
export function matchLogLine(rawLine: string, state: LogReadState): LogMatch | undefined {
  // Every pattern is linear; the cap keeps a long line's cost small (the cause is near the start of a line).
  const line = cutAt(typeof rawLine === 'string' ? rawLine : '', MAX_LINE_CHARS);
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('#')) {
    // The value is trimmed below; matching the spaces before it here would make "#Fields:" + spaces quadratic.
    const fields = /^#Fields:(.+)$/.exec(trimmed);
    if (fields?.[1]) state.iisFields = fields[1].trim().split(/\s+/);
    return undefined;
  }
  const fielded = readAlbLine(trimmed) ?? readEnvoyLine(trimmed) ?? readHaproxyLine(trimmed) ?? readIisLine(trimmed, state);
  if (fielded !== undefined) return fielded === null ? undefined : fielded;
  for (const p of LOG_PATTERNS) {
    if (p.pattern.test(line)) {
      return { id: p.id, format: p.format, producer: p.producer, cause: p.cause, summary: p.summary };
    }
  }
  return undefined;
}

/**
 * Field readers return undefined when the line is not theirs, null when it is theirs but says nothing
 * about a failure (so the pattern table is not consulted), or a match.
 */
type ReadResult = LogMatch | null | undefined;

/** Splits on spaces, keeping "double quoted" fields whole (quotes removed). */
export function splitLogFields(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

const ALB_LINE = /^(?:https?|h2|grpcs|wss?) \d{4}-\d{2}-\d{2}T\S+ /;
/** Classic ELB: time, name, client:port, backend:port, three timers, status; fields split on single spaces. */
const CLASSIC_ELB_LINE = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z \S+ \S+ \S+ -?[\d.]+ -?[\d.]+ -?[\d.]+ \d{3} /;

function readAlbLine(line: string): ReadResult {
  let fields: string[];
  if (ALB_LINE.test(line)) fields = splitLogFields(line);
  else if (CLASSIC_ELB_LINE.test(line)) fields = ['classic', ...splitLogFields(line)];
  else return undefined;
  const get = (name: string): string => fields[ALB_FIELDS.indexOf(name)] ?? '-';
  const elbStatus = get('elb_status_code');
  const targetStatus = get('target_status_code');
  const reason = ALB_ERROR_REASONS[get('error_reason')];
  if (reason && elbStatus === '502') {
    return { id: `aws-alb-${get('error_reason')}`, format: 'aws-alb', producer: 'aws-alb', ...reason };
  }
  const times = [get('request_processing_time'), get('target_processing_time'), get('response_processing_time')].map(Number);
  const allNegative = times.every((t) => t === -1);
  const afterSendNegative = !allNegative && (times[1] === -1 || times[2] === -1);
  const shape: AlbTimes = allNegative ? 'all-negative' : afterSendNegative ? 'after-send-negative' : 'none-negative';
  const rule = ALB_RULES.find(
    (r) =>
      r.elbStatus === elbStatus &&
      (r.targetStatus === undefined || r.targetStatus === targetStatus) &&
      (r.times === undefined || r.times === shape),
  );
  if (!rule) return null;
  const target = get('target:port');
  const where = target === '-' ? '' : ` (target ${target})`;
  return {
    id: `aws-alb-${elbStatus}-${rule.cause}`,
    format: 'aws-alb',
    producer: 'aws-alb',
    cause: rule.cause,
    summary: `${rule.summary.replace(/\.$/, '')}${where}.`,
  };
}

const ENVOY_LINE = /^\[\d{4}-\d{2}-\d{2}T[^\]]*\] "[^"]*" (\d{1,3}) (\S+) /;

function readEnvoyLine(line: string): ReadResult {
  const m = ENVOY_LINE.exec(line);
  if (!m) return undefined;
  const code = m[1] ?? '';
  const flags = (m[2] ?? '-').split(',');
  const known = flags.filter((f) => ENVOY_RESPONSE_FLAGS[f] !== undefined);
  // URX only says retries ran out; a more specific flag next to it explains why.
  const flag = known.find((f) => f !== 'URX') ?? known[0];
  const entry = flag ? ENVOY_RESPONSE_FLAGS[flag] : undefined;
  if (!flag || !entry) return null;
  return {
    id: `envoy-${flag}`,
    format: 'envoy',
    producer: 'envoy',
    cause: entry.cause,
    summary: `Envoy answered ${code} with response flag ${flag}: ${entry.summary}.`,
  };
}

/** client:port [accept date] frontend backend/server timers ... */
const HAPROXY_LINE =
  /(?:^|\s)(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?):\d+ \[\d{2}\/\w{3}\/\d{4}:[\d:.]+\] \S+ ([^\s/]+)\/(\S+) (-?\d+(?:\/\+?-?\d+){2,4}) (.*)/;

function readHaproxyLine(line: string): ReadResult {
  const m = HAPROXY_LINE.exec(line);
  if (!m) return undefined;
  const backend = m[1] ?? '';
  const server = m[2] ?? '';
  const timerCount = (m[3] ?? '').split('/').length;
  const rest = (m[4] ?? '').split(/\s+/);
  // HTTP logs (5 timers): status bytes req_cookie res_cookie state; TCP logs (3 timers): bytes state.
  const http = timerCount >= 4;
  const status = http ? rest[0] : undefined;
  const state = (http ? rest[4] : rest[1]) ?? '';
  if (!/^[A-Za-z-]{2}(?:[A-Za-z-]{2})?$/.test(state)) return null;
  if (server === '<NOSRV>' && status === '503') {
    return {
      id: 'haproxy-nosrv',
      format: 'haproxy',
      producer: 'haproxy',
      cause: 'no-live-upstreams',
      summary:
        `HAProxy had no usable server in backend ${backend} (all down or in maintenance), ` +
        'so it answered 503 itself; check the health checks.',
    };
  }
  const key = state.slice(0, 2);
  const entry = HAPROXY_TERMINATION[key];
  if (!entry) return null;
  const lead = status ? `HAProxy answered ${status} because` : 'HAProxy ended the session because';
  return {
    id: `haproxy-${key}`,
    format: 'haproxy',
    producer: 'haproxy',
    cause: entry.cause,
    summary: `${lead} ${entry.summary} (state ${state}, server ${backend}/${server}).`,
  };
}

const IIS_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /;

function readIisLine(line: string, state: LogReadState): ReadResult {
  if (!IIS_LINE.test(line)) return undefined;
  const values = line.split(/\s+/);
  let fields: readonly string[] | undefined;
  if (state.iisFields && state.iisFields.length === values.length) fields = state.iisFields;
  else if (values.length === IIS_DEFAULT_FIELDS.length) fields = IIS_DEFAULT_FIELDS;
  else if (values.length === IIS7_DEFAULT_FIELDS.length) fields = IIS7_DEFAULT_FIELDS;
  if (!fields?.includes('sc-status')) return undefined;
  const get = (name: string): string | undefined => {
    const i = fields?.indexOf(name) ?? -1;
    return i >= 0 ? values[i] : undefined;
  };
  const status = get('sc-status') ?? '';
  const sub = get('sc-substatus') ?? '0';
  const win32 = get('sc-win32-status') ?? '0';
  // A line that merely starts with a date and happens to have the right field count is not IIS.
  if (!/^\d{3}$/.test(status) || !/^\d+$/.test(sub) || !/^\d+$/.test(win32)) return undefined;
  if (status !== '502') return null;
  const subInfo = IIS_502_SUBSTATUS[sub];
  const winInfo = WIN32_STATUS[win32];
  const code = sub === '0' ? '502' : `502.${sub}`;
  const parts = [`IIS logged ${code}${subInfo ? ` (${subInfo.meaning})` : ''}`];
  if (winInfo) parts.push(`with win32 status ${win32} ${winInfo.name}: ${winInfo.summary}`);
  else if (win32 !== '0') parts.push(`with win32 status ${win32}, which you can decode with "net helpmsg ${win32}" or err.exe`);
  const cause: Finding['cause'] = winInfo?.cause ?? subInfo?.cause ?? (sub === '0' ? 'status-502' : 'sub-status');
  const producer: ProducerId = sub === '5' ? 'aspnetcore' : 'iis';
  return { id: `iis-${code}-${win32}`, format: 'iis-w3c', producer, cause, summary: `${parts.join(' ')}.` };
}
