/**
 * What botframework-directlinejs expects from a browser, for Node: rxjs' ajax needs XMLHttpRequest (built
 * here on node:http, just the part rxjs uses) and the stream needs a global WebSocket (the `ws` package).
 * The library itself runs unchanged.
 */
import http from 'node:http';
import { WebSocket } from 'ws';

type Handler = ((this: NodeXMLHttpRequest, event: { type: string }) => void) | null;

/** A minimal XMLHttpRequest: async only, text and json response types, no upload progress. */
export class NodeXMLHttpRequest {
  readyState = 0;
  status = 0;
  statusText = '';
  responseType = '';
  response: unknown = null;
  responseText = '';
  timeout = 0;
  withCredentials = false;
  // rxjs attaches onerror only when `upload` exists; nothing is ever reported on it.
  upload = {};
  onreadystatechange: Handler = null;
  onerror: Handler = null;
  ontimeout: Handler = null;
  private method = 'GET';
  private url = '';
  private headers: Record<string, string> = {};
  private responseHeaders: http.IncomingHttpHeaders = {};
  private request: http.ClientRequest | undefined;
  private settled = false;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  getResponseHeader(name: string): string | null {
    const value = this.responseHeaders[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  send(body?: string | null): void {
    const request = http.request(this.url, { method: this.method, headers: this.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (this.settled) return;
        this.settled = true;
        this.status = response.statusCode ?? 0;
        this.statusText = response.statusMessage ?? '';
        this.responseHeaders = response.headers;
        this.responseText = Buffer.concat(chunks).toString('utf8');
        if (this.responseType === 'json') {
          try {
            this.response = this.responseText === '' ? null : JSON.parse(this.responseText);
          } catch {
            this.response = null;
          }
        } else {
          this.response = this.responseText;
        }
        this.readyState = 4;
        this.onreadystatechange?.call(this, { type: 'readystatechange' });
      });
    });
    this.request = request;
    if (this.timeout > 0) {
      request.setTimeout(this.timeout, () => {
        if (this.settled) return;
        this.settled = true;
        request.destroy();
        this.ontimeout?.call(this, { type: 'timeout' });
      });
    }
    request.on('error', () => {
      if (this.settled) return;
      this.settled = true;
      this.onerror?.call(this, { type: 'error' });
    });
    request.end(body ?? undefined);
  }

  abort(): void {
    this.settled = true;
    this.request?.destroy();
  }
}

/** Installs XMLHttpRequest and WebSocket on globalThis; returns a function that puts things back. */
export function withBrowserGlobals(): () => void {
  const target = globalThis as Record<string, unknown>;
  const previous = { XMLHttpRequest: target.XMLHttpRequest, WebSocket: target.WebSocket };
  target.XMLHttpRequest = NodeXMLHttpRequest;
  target.WebSocket = WebSocket;
  return () => {
    target.XMLHttpRequest = previous.XMLHttpRequest;
    target.WebSocket = previous.WebSocket;
  };
}
