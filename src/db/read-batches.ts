interface Reader<Answer> {
  resolve(answer: Answer | undefined): void;
  reject(error: unknown): void;
}

/**
 * Runs reads of one kind, at most `slots` statements at a time. A read asked for while a slot
 * is free goes out at once, alone; asked for while every slot is busy, it waits with the others
 * asked for meanwhile, and when a slot frees they go out together in one statement (up to
 * `maxPerStatement` distinct keys, equal keys sharing one answer). Under load this turns a
 * statement per request into one per batch: each statement's write to the socket and its round
 * trip were the largest share of a read's CPU. No answer is older than its request: a waiting
 * read is only ever served by a statement sent after it was asked for.
 *
 * With `keyAtATime`, a key is in one statement at a time: a read asked for while its key's
 * statement runs waits for it to end, with every other read of that key asked for meanwhile, and
 * they go out together in the next one, whether slots are free or not. Many callers polling the
 * same thing (a page of workflows) then cost a statement per round trip, not one each.
 */
export class ReadBatches<Request, Answer> {
  private running = 0;
  /** By key: the request (equal keys ask the same) and everyone waiting for its answer. */
  private readonly waiting = new Map<string, { request: Request; readers: Reader<Answer>[] }>();
  /** The keys of the statements running now (kept with keyAtATime only). */
  private readonly inFlight = new Set<string>();
  private readonly keyAtATime: boolean;
  private readonly slots: number;
  private readonly maxPerStatement: number;
  private readonly run: (requests: Map<string, Request>) => Promise<Map<string, Answer>>;

  constructor(options: {
    slots: number;
    maxPerStatement: number;
    /** A key waits for its running statement to end before it goes out again (see above). */
    keyAtATime?: boolean;
    /** One statement for these requests; the answers by the same keys (a key without one: undefined). */
    run: (requests: Map<string, Request>) => Promise<Map<string, Answer>>;
  }) {
    this.slots = options.slots;
    this.maxPerStatement = options.maxPerStatement;
    this.keyAtATime = options.keyAtATime ?? false;
    this.run = options.run;
  }

  read(key: string, request: Request): Promise<Answer | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(key);
      if (waiting) waiting.readers.push({ resolve, reject });
      else this.waiting.set(key, { request, readers: [{ resolve, reject }] });
      this.startNext();
    });
  }

  private startNext(): void {
    while (this.running < this.slots && this.waiting.size > 0) {
      const batch = this.nextBatch();
      if (batch.size === 0) return;
      this.running += 1;
      this.run(new Map([...batch].map(([key, { request }]) => [key, request])))
        .then(
          (answers) => {
            for (const [key, { readers }] of batch) for (const reader of readers) reader.resolve(answers.get(key));
          },
          (error: unknown) => {
            for (const { readers } of batch.values()) for (const reader of readers) reader.reject(error);
          },
        )
        .finally(() => {
          this.running -= 1;
          if (this.keyAtATime) for (const key of batch.keys()) this.inFlight.delete(key);
          this.startNext();
        });
    }
  }

  /** Up to maxPerStatement waiting keys, none of them in a running statement when keyAtATime; taken out of `waiting`. */
  private nextBatch(): Map<string, { request: Request; readers: Reader<Answer>[] }> {
    const batch = new Map<string, { request: Request; readers: Reader<Answer>[] }>();
    for (const [key, waiting] of this.waiting) {
      if (batch.size >= this.maxPerStatement) break;
      if (this.keyAtATime && this.inFlight.has(key)) continue;
      batch.set(key, waiting);
      this.waiting.delete(key);
      if (this.keyAtATime) this.inFlight.add(key);
    }
    return batch;
  }
}
