/** How the codebuild commands show stored source credentials. */
import { table } from "../../ui/table.ts";
import type { SourceCredential } from "../../core/codebuild/source-credentials.ts";

/** The human rendering of a list: a table, or one clear sentence when there is nothing. */
export function credentialsText(list: SourceCredential[], where: { region: string; serverType?: string }): string {
  if (list.length === 0) {
    return `No ${where.serverType ? `${where.serverType} ` : ""}source credentials are stored in CodeBuild in ${where.region}.`;
  }
  const withResource = list.some((c) => c.resource);
  const headers = ["SERVER TYPE", "AUTH TYPE", "ARN", ...(withResource ? ["RESOURCE"] : [])];
  return table(headers, list.map((c) => [c.serverType, c.authType, c.arn, ...(withResource ? [c.resource ?? ""] : [])]));
}
