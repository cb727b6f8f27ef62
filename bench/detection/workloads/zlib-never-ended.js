'use strict';
// Leaky: each message is compressed by a fresh gzip stream piped into one long-lived
// sink (the shipper's output); the stream is written to and never ended, so it stays
// piped (the sink's listeners hold it) with its native zlib state (~300 KB off the JS
// heap). 5 messages/s.
const zlib = require('node:zlib');
const { Writable } = require('node:stream');

let shipped = 0;
const sink = new Writable({
  write(chunk, _encoding, cb) {
    shipped += chunk.length;
    cb();
  },
});

function compressMessage(msg) {
  const gz = zlib.createGzip(); // LEAK-SITE
  gz.pipe(sink);
  gz.write(JSON.stringify(msg));
}

let n = 0;
setInterval(() => compressMessage({ n: n++, at: Date.now(), payload: 'event '.repeat(200) }), 200);
