/** Long-running commands (sim serve, watch) end on Ctrl-C or SIGTERM, after finishing what is in flight. */

/** Resolves on the first SIGINT or SIGTERM, and stops listening for them. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
