// leakguard/jest: types of the matchers registered by `setupFilesAfterEnv: ['leakguard/jest']`.
import type { LeakOptions, CollectOptions } from './lib/assert';

export type { LeakOptions, CollectOptions, AssertionFinding } from './lib/assert';

interface LeakguardMatchers<R> {
  /** The function (sync or async) leaks resources or heap when called repeatedly. Use with `await` and usually `.not`. */
  toLeak(options?: LeakOptions): Promise<R>;
  /** What the factory returns is collected by a forced GC once dropped. Use with `await`. */
  toBeCollected(options?: CollectOptions): Promise<R>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends LeakguardMatchers<R> {}
  }
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends LeakguardMatchers<R> {}
}

declare module '@jest/expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends LeakguardMatchers<R> {}
}

export declare const matchers: {
  toLeak(this: unknown, received: unknown, options?: LeakOptions): Promise<{ pass: boolean; message(): string }>;
  toBeCollected(this: unknown, received: unknown, options?: CollectOptions): Promise<{ pass: boolean; message(): string }>;
};
export declare const toLeak: typeof matchers.toLeak;
export declare const toBeCollected: typeof matchers.toBeCollected;
