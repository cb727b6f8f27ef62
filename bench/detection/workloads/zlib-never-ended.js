'use strict';
// Leaky: each message is compressed with a fresh gzip stream that is written to and
// never ended, so its native zlib state (~300 KB off the JS heap) is never freed.
// 5 messages/s.
const zlib = require('node:zlib');

let compressedBytes = 0;

function compressMessage(msg) {
  const gz = zlib.createGzip(); // LEAK-SITE
  gz.on('data', (c) => { compressedBytes += c.length; });
  gz.write(JSON.stringify(msg));
}

let n = 0;
setInterval(() => compressMessage({ n: n++, at: Date.now(), payload: 'event '.repeat(200) }), 200);
