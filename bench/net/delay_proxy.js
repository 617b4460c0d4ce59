// TCP relays that add a fixed one-way delay in each direction, for bench/net/finality.bench.sh
// when the kernel has no netem qdisc: `node delay_proxy.js DELAY_MS LISTEN:TARGET ...` listens on
// 127.0.0.1:LISTEN for each pair and relays every connection to 127.0.0.1:TARGET, holding each
// chunk DELAY_MS before passing it on (order kept), so a round trip through it costs 2 × DELAY_MS
// on top of loopback. Prints "ready" once every port listens; runs until killed.
'use strict';
const net = require('net');
const [delayArg, ...pairs] = process.argv.slice(2);
const delay = Number(delayArg);
if (!(delay >= 0) || !pairs.length) {
  console.error('usage: node delay_proxy.js DELAY_MS LISTEN:TARGET ...');
  process.exit(2);
}

// Chunks from `from` reach `to` delay ms later, in order; an end or error travels the same way.
function pipeDelayed(from, to) {
  from.on('data', (chunk) => setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delay));
  from.on('end', () => setTimeout(() => to.end(), delay));
  from.on('error', () => setTimeout(() => to.destroy(), delay));
  from.on('close', () => setTimeout(() => to.destroy(), delay + 1));
}

let listening = 0;
for (const pair of pairs) {
  const [listen, target] = pair.split(':').map(Number);
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    upstream.setNoDelay(true);
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  server.on('error', (e) => { console.error(`port ${listen}: ${e.message}`); process.exit(1); });
  server.listen(listen, '127.0.0.1', () => { if (++listening === pairs.length) console.log('ready'); });
}
