// Preloaded into the robot by `npm run bench:e2e` (NODE_OPTIONS=--require): twice a second, the
// process's own memory as Node sees it (V8 heap, external, array buffers, RSS) into BENCH_HEAP_FILE.
const { writeFileSync } = require('node:fs');

const file = process.env.BENCH_HEAP_FILE;
if (file) setInterval(() => writeFileSync(file, JSON.stringify(process.memoryUsage())), 500).unref();
