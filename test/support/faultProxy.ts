import { Agent, createServer, IncomingMessage, request, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** An answer Table Storage (or Key Vault) gives on a fault: status, the service's code, its message. */
export interface Fault {
  status: number;
  code: string;
  message?: string;
  /** Only requests whose method and path match fail; the rest pass through. */
  match?: RegExp;
}

/**
 * A real HTTP server between the app and a real dependency (Azurite, the fake Key Vault) that forwards every
 * request unless told otherwise: `fail` answers matching requests as the service does on a fault (an OData error
 * body with its code, as Table Storage sends it), `blackHole` accepts requests and never answers (storage
 * silently dropping packets). It counts the sockets the app opens to it, to check the app's connection cap.
 */
export interface FaultProxy {
  url: string;
  /** `connectionString` (Azurite's) with its table endpoint moved to this proxy. */
  via(connectionString: string): string;
  fail(...faults: Fault[]): void;
  blackHole(): void;
  /** Forwards every request after `ms`, as a slow storage does. */
  slow(ms: number): void;
  forward(): void;
  /** Requests that reached the proxy, forwarded or not. */
  readonly requests: string[];
  readonly sockets: { opened: number; open: number; peak: number };
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let faults: Fault[] = [];
  let holding = false;
  let delayMs = 0;
  const held = new Set<ServerResponse>();
  const requests: string[] = [];
  const sockets = { opened: 0, open: 0, peak: 0 };

  const answerFault = (res: ServerResponse, f: Fault) => {
    const message = `${f.message ?? f.code}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:${new Date().toISOString()}`;
    res.writeHead(f.status, { 'Content-Type': 'application/json;odata=minimalmetadata', 'x-ms-error-code': f.code });
    res.end(JSON.stringify({ 'odata.error': { code: f.code, message: { lang: 'en-US', value: message } } }));
  };

  const pass = (req: IncomingMessage, res: ServerResponse) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    requests.push(line);
    if (holding) {
      held.add(res);
      req.resume();
      res.on('close', () => held.delete(res));
      return;
    }
    const fault = faults.find((f) => !f.match || f.match.test(line));
    if (fault) {
      req.resume();
      req.on('end', () => answerFault(res, fault));
      return;
    }
    if (delayMs) setTimeout(() => pass(req, res), delayMs);
    else pass(req, res);
  });
  server.on('connection', (socket) => {
    sockets.opened++;
    sockets.peak = Math.max(sockets.peak, ++sockets.open);
    socket.on('close', () => sockets.open--);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    via: (connectionString) => connectionString.replace(/TableEndpoint=http:\/\/[^/;]+/i, `TableEndpoint=${url}`),
    fail: (...f) => {
      faults = f;
      holding = false;
    },
    blackHole: () => {
      holding = true;
    },
    slow: (ms) => {
      delayMs = ms;
    },
    forward: () => {
      faults = [];
      holding = false;
      delayMs = 0;
    },
    requests,
    sockets,
    close: async () => {
      for (const res of held) res.destroy();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
