import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';

export interface SampleApps {
  httpPort: number;
  echoPort: number;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zerogate demo app</title></head>
<body><h1>Hello through Zerogate</h1>
<p>This internal page is reachable only through the tunnel, by an enrolled device whose user the app allows.</p>
</body></html>
`;

/** The demo's two internal apps on loopback: an HTTP page and a TCP echo service. */
export async function startSampleApps(host = '127.0.0.1'): Promise<SampleApps> {
  const http: HttpServer = createHttpServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-demo-path': encodeURI(request.url ?? '/') });
    response.end(PAGE);
  });
  const echo: TcpServer = createTcpServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  const listen = (server: HttpServer | TcpServer): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  const [httpPort, echoPort] = await Promise.all([listen(http), listen(echo)]);
  return {
    httpPort,
    echoPort,
    close: async () => {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => http.close(() => r())),
        new Promise<void>((r) => echo.close(() => r())),
      ]);
    },
  };
}
