/** Following a stack's events: each new event once, oldest first, however many pages arrived. */
import type { CloudFormationApi, StackEvent } from "../../aws/cloudformation.ts";

/** Follows a stack's events newest-first, handing out each new event once, oldest first. */
export class EventCursor {
  private readonly seen = new Set<string>();
  constructor(private readonly cfn: CloudFormationApi, private readonly stackName: string) {}

  /** Marks everything currently there as seen (only the first page is needed: paging stops at a seen event). */
  async baseline(): Promise<void> {
    const page = await this.cfn.stackEvents(this.stackName);
    for (const e of page.events) this.seen.add(e.id);
  }

  async next(): Promise<StackEvent[]> {
    const fresh: StackEvent[] = [];
    let token: string | undefined;
    pages: do {
      const page = await this.cfn.stackEvents(this.stackName, token);
      for (const e of page.events) {
        if (this.seen.has(e.id)) break pages;
        fresh.push(e);
      }
      token = page.nextToken;
    } while (token);
    for (const e of fresh) this.seen.add(e.id);
    return fresh.reverse();
  }
}
