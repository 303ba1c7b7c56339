/** Where CloudFormation reads the template from: inline up to 51,200 bytes, else uploaded to S3. */
import { createHash } from "node:crypto";
import { HdocError } from "../../errors.ts";
import type { StackInfo, TemplateStore } from "../../aws/cloudformation.ts";

/** CloudFormation's limit for TemplateBody; larger templates must come from S3. */
export const INLINE_TEMPLATE_LIMIT = 51_200;

export interface TemplateInput {
  stage: string;
  stackName: string;
  templateFile: string;
  templateBody: string;
  /** Where a large template goes (from --s3-bucket or samconfig's s3_bucket). */
  bucket?: string;
  bucketPrefix?: string;
}

export async function templateSource(
  input: TemplateInput,
  existing: StackInfo | undefined,
  deps: { templates?: TemplateStore; note(line: string): void },
): Promise<{ templateBody?: string; templateUrl?: string }> {
  const size = Buffer.byteLength(input.templateBody, "utf8");
  if (size <= INLINE_TEMPLATE_LIMIT) return { templateBody: input.templateBody };
  const bucket = input.bucket ?? existing?.outputs.find((o) => o.key === "ArtifactsBucket")?.value;
  if (!bucket || !deps.templates) {
    throw new HdocError(
      "USAGE",
      `${input.templateFile} is ${size.toLocaleString("en-US")} bytes, over CloudFormation's ${INLINE_TEMPLATE_LIMIT.toLocaleString("en-US")}-byte limit for inline templates, and no artifacts bucket is known for stage ${input.stage}`,
      `pass --s3-bucket <bucket>, or set s3_bucket in [${input.stage}.deploy.parameters]`,
    );
  }
  const hash = createHash("sha256").update(input.templateBody).digest("hex").slice(0, 16);
  const key = `${input.bucketPrefix ?? input.stackName}/${hash}.template.yml`;
  deps.note(`template is ${size.toLocaleString("en-US")} bytes (over ${INLINE_TEMPLATE_LIMIT.toLocaleString("en-US")}): uploading it to s3://${bucket}/${key}`);
  return { templateUrl: await deps.templates.upload(bucket, key, input.templateBody) };
}
