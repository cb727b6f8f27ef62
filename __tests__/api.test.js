'use strict';
// Bad input gets a clear error naming the argument, and nothing else changes.
const { EventEmitter } = require('node:events');
const leakguard = require('..');

afterEach(() => leakguard.stop());

describe('start() options', () => {
  test.each([
    [{ intervalMs: -1 }, RangeError, /options\.intervalMs must be a finite number between 10 and 3600000, got -1/],
    [{ intervalMs: NaN }, RangeError, /options\.intervalMs/],
    [{ intervalMs: Infinity }, RangeError, /options\.intervalMs/],
    [{ intervalMs: '100' }, TypeError, /options\.intervalMs must be a number, got string/],
    [{ warmupMs: -5 }, RangeError, /options\.warmupMs/],
    [{ sensitivity: 0 }, RangeError, /options\.sensitivity/],
    [{ timers: 'yes' }, TypeError, /options\.timers must be a boolean/],
    [{ streams: 1 }, TypeError, /options\.streams must be a boolean/],
    [{ intervalMS: 100 }, TypeError, /unknown option "intervalMS"/],
    [null, TypeError, /options must be an object, got null/],
    [[], TypeError, /options must be an object, got an array/],
    [42, TypeError, /options must be an object, got number/],
  ])('start(%p) throws', (options, Ctor, message) => {
    let err;
    try {
      leakguard.start(options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Ctor);
    expect(err.message).toMatch(message);
    expect(err.code).toMatch(/^LEAKGUARD_/);
    expect(leakguard.getMonitor()).toBeNull();
    expect(globalThis.setTimeout.name).toBe('setTimeout');
  });

  test('start() is idempotent and returns the running Monitor, an EventEmitter', () => {
    const m = leakguard.start({ intervalMs: 1000 });
    expect(m).toBeInstanceOf(EventEmitter);
    expect(leakguard.start()).toBe(m);
    expect(leakguard.getMonitor()).toBe(m);
  });
});

describe('trackEmitter() / untrackEmitter() / trackStream() arguments', () => {
  test.each([
    [null, /emitter must be an EventEmitter or an EventTarget, got null/],
    [undefined, /got undefined/],
    [{}, /got an object without on\/listenerCount or addEventListener/],
    ['bus', /got string/],
  ])('trackEmitter(%p) throws TypeError', (value, message) => {
    expect(() => leakguard.trackEmitter(value)).toThrow(TypeError);
    expect(() => leakguard.trackEmitter(value)).toThrow(message);
  });

  test.each([
    [{ threshold: -1 }, RangeError, /options\.threshold must be a finite number >= 0, got -1/],
    [{ threshold: 'ten' }, TypeError, /options\.threshold must be a number/],
    [{ name: '' }, TypeError, /options\.name must be a non-empty string/],
    [{ name: 'x'.repeat(201) }, TypeError, /at most 200 characters/],
    [{ nmae: 'bus' }, TypeError, /unknown option "nmae"/],
    [null, TypeError, /options must be an object, got null/],
  ])('trackEmitter(emitter, %p) throws', (options, Ctor, message) => {
    const e = new EventEmitter();
    expect(() => leakguard.trackEmitter(e, options)).toThrow(Ctor);
    expect(() => leakguard.trackEmitter(e, options)).toThrow(message);
    // Nothing changed: no hook was attached.
    expect(e.listenerCount('newListener')).toBe(0);
  });

  test('untrackEmitter(null) throws TypeError; an untracked emitter returns false', () => {
    expect(() => leakguard.untrackEmitter(null)).toThrow(/untrackEmitter\(emitter\): emitter must be an object, got null/);
    expect(leakguard.untrackEmitter(new EventEmitter())).toBe(false);
  });

  test.each([
    [null, /stream must be a Readable, Writable or Duplex stream, got null/],
    [{}, /an object that is not a stream/],
    [new EventEmitter(), /an object that is not a stream/],
  ])('trackStream(%p) throws TypeError', (value, message) => {
    expect(() => leakguard.trackStream(value)).toThrow(TypeError);
    expect(() => leakguard.trackStream(value)).toThrow(message);
  });

  test('trackStream(stream, { bad }) throws TypeError naming the option', () => {
    const { PassThrough } = require('node:stream');
    expect(() => leakguard.trackStream(new PassThrough(), { label: 'x' })).toThrow(/unknown option "label"/);
  });
});
