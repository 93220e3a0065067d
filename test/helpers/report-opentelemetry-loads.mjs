// Preloaded into a child (NODE_OPTIONS=--import) by the tracing tests: prints a line on stderr for
// every OpenTelemetry module the process resolves, by import or by require.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.includes('/node_modules/@opentelemetry/')) {
      process.stderr.write(`${JSON.stringify({ msg: 'opentelemetry module loaded', url: resolved.url })}\n`);
    }
    return resolved;
  },
});
