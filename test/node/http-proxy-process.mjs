// A real HTTP proxy in its own process, for the CLI's proxy tests (issue 30 item 5): the maintained
// `proxy` package (forward requests and CONNECT tunnels) on a loopback port. Prints
// {"port": n} once listening, then one JSON line per request it relays: {"method", "target"}.
import { createServer } from "node:http";
import { createProxy } from "proxy";

const server = createProxy(createServer());
const log = (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`);
server.prependListener("connect", (req) => log({ method: "CONNECT", target: req.url }));
server.prependListener("request", (req) => log({ method: req.method, target: req.url }));
server.listen(0, "127.0.0.1", () => log({ port: server.address().port }));
