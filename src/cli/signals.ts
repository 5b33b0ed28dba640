/**
 * Stopping on SIGINT/SIGTERM for the long-running commands (serve, dev).
 *
 * Call `stopSignal()` before starting anything: whoever started the process may send a
 * signal as soon as it sees the first output (or during start-up), and without a listener
 * Node's default action kills the process without stopping what it started. The first
 * signal resolves the promise; a second one exits at once (exit 1), for when a graceful
 * stop hangs and the operator presses Ctrl-C again.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        process.stderr.write(`credential-broker: ${signal} again: exiting without a clean stop\n`);
        process.exit(1);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
