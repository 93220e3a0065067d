// Submits an image, follows its run live and downloads the result, with @framewright/client
// installed from its packed tarball (see README.md). Plain JavaScript: Node 20 or later runs it as it is.
//
//   FRAMEWRIGHT_URL=http://localhost:4000/graphql FRAMEWRIGHT_API_KEY=fw_… node app.mjs photo.png out/
import { FramewrightClient } from '@framewright/client';

const [image, outDir = 'out'] = process.argv.slice(2);
if (!image) {
  console.error('usage: node app.mjs <image> [output directory]');
  process.exit(2);
}

const client = new FramewrightClient({
  url: process.env.FRAMEWRIGHT_URL ?? 'http://localhost:4000/graphql',
  apiKey: process.env.FRAMEWRIGHT_API_KEY,
});

const workflow = await client.create(image, {
  title: `Example app: ${image}`,
  model: process.env.FRAMEWRIGHT_MODEL ?? 'vim_new_year_2026',
  primaryUserId: 'example-node-app',
  options: { pipelineMode: 'IMAGE' },
});
console.log(`created ${workflow.id}`);

let last;
for await (const event of client.watch(workflow.id)) {
  last = event;
  console.log(`${event.processingStatus} ${event.progressPercentage}%${event.flow ? ` ${event.flow} ${event.flowStatus}` : ''}`);
}
if (last?.processingStatus !== 'SUCCESS') {
  console.error(`the run ended ${last?.processingStatus ?? 'without an event'}: ${last?.workflow.error ?? ''}`);
  process.exit(1);
}

const files = await client.download(workflow.id, outDir);
console.log(`saved ${files.join(', ')}`);
