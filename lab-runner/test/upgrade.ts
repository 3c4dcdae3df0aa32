import http from 'node:http';

/**
 * A raw WebSocket upgrade request: the HTTP response if the server refuses it, or 'upgraded'. Tests use it to
 * prove a terminal is refused before the upgrade, with the status and error body a client would see.
 */
export function upgradeRequest(port: number, path: string): Promise<{ status: number; body: string } | 'upgraded'> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      port,
      host: '127.0.0.1',
      path,
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve('upgraded');
    });
    request.on('error', reject);
    request.end();
  });
}
