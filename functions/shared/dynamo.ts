/** The DynamoDB document client every function uses: numbers stay exact (NumberValue), created once per container. */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: true },
  });
}

export const isConditionFailure = (e: unknown): boolean =>
  typeof e === "object" && e !== null && (e as { name?: string }).name === "ConditionalCheckFailedException";
