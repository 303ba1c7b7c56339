/**
 * Where the Statistics Parser stopped, kept between runs in its own small table: the last member
 * whose figures were posted (the next run resumes after them) and, after a rate limit, the time
 * GitHub said to come back (runs before it do nothing).
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface RunState {
  /** Resume after this member (scan order); undefined = start a new pass. */
  after?: string;
  /** Make no GitHub call before this time. */
  notBefore?: Date;
}

export interface RunStateStore {
  get(): Promise<RunState>;
  put(state: RunState): Promise<void>;
}

const KEY = { id: "statistics-parser" };

export function dynamoRunStateStore(db: DynamoDBDocumentClient, table: string): RunStateStore {
  return {
    async get() {
      const item = (await db.send(new GetCommand({ TableName: table, Key: KEY, ConsistentRead: true }))).Item ?? {};
      const notBefore = typeof item.not_before === "string" ? new Date(item.not_before) : undefined;
      return {
        after: typeof item.after === "string" && item.after ? item.after : undefined,
        notBefore: notBefore && !Number.isNaN(notBefore.getTime()) ? notBefore : undefined,
      };
    },
    async put(state) {
      await db.send(
        new PutCommand({
          TableName: table,
          Item: { ...KEY, after: state.after, not_before: state.notBefore?.toISOString() },
        }),
      );
    },
  };
}
