// Prints a TCP port that is free on the given address right now (the kernel picks it).
import { createServer } from 'node:net';

const address = process.argv[2] ?? '127.0.0.1';
const srv = createServer();
srv.once('error', (err) => {
  console.error(`free-port: ${err.message}`);
  process.exit(1);
});
srv.listen(0, address, () => {
  const { port } = srv.address();
  srv.close(() => console.log(port));
});
