/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (Node 22) inside every Task. On Node 20
 * the call throws a TypeError that the runner reports as a catchable Task failure, so a Catch
 * silently routes a perfectly healthy Lambda to the rollback branch. Install it before any run.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseWithResolvers = PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> };

export function installPromiseWithResolvers(target: PromiseWithResolvers = Promise): void {
  if (typeof target.withResolvers === 'function') return;
  Object.defineProperty(target, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
