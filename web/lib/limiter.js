// Runs at most `concurrency` async tasks at once, in the order they were queued.
// Used for thumbnails and prefetching so a long series list never floods the server.
export function createLimiter(concurrency) {
  const queue = [];
  let running = 0;

  const next = () => {
    while (running < concurrency && queue.length > 0) {
      const {task, resolve, reject, signal} = queue.shift();
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
        continue;
      }
      running += 1;
      Promise.resolve()
          .then(task)
          .then(resolve, reject)
          .finally(() => {
            running -= 1;
            next();
          });
    }
  };

  // Queues `task` (a function returning a promise); resolves with its result.
  // A task whose `signal` is aborted before it starts is dropped.
  return function run(task, signal) {
    return new Promise((resolve, reject) => {
      queue.push({task, resolve, reject, signal});
      next();
    });
  };
}
