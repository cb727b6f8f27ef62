'use strict';
// A tiny session layer over a process-wide message bus.
const { EventEmitter } = require('node:events');

const bus = new EventEmitter();
bus.setMaxListeners(0);

/** Opens a session that listens to the bus until close() is called. */
function openSession(id) {
  const session = { id, received: 0 };
  const onMessage = () => session.received++;
  bus.on('message', onMessage);
  session.close = () => bus.off('message', onMessage);
  return session;
}

/** Handles one request with a session, closing it afterwards. */
async function handle(id) {
  const s = openSession(id);
  await Promise.resolve();
  bus.emit('message', id);
  s.close();
  return s.received;
}

/** The bug: the session is never closed. */
async function handleAndForget(id) {
  const s = openSession(id);
  bus.emit('message', id);
  return s.received;
}

module.exports = { bus, openSession, handle, handleAndForget };
