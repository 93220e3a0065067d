// The baseline of the reads benchmark: graphql-yoga with nothing of ours, answering `{ hello }`.
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  logging: false,
});
const server = createServer(yoga);
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`bare yoga listening on ${typeof address === 'object' && address ? address.port : '?'}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
